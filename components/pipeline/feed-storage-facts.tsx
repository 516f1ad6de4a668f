// The feed storage's facts as label/value rows (the Providers page's Facts take the same rows).
import type { ReactNode } from 'react';

import { RelativeTime } from '@/components/ui/relative-time';
import { feedStorageFacts } from '@/lib/queries/feed-storage-view';
import type { FeedStorageView } from '@/lib/queries/feed-storage-view';

export function feedStorageRows(view: FeedStorageView): [string, ReactNode, string?][] {
  return feedStorageFacts(view).map((fact) => [
    fact.label,
    fact.at !== undefined ? (
      <RelativeTime key={fact.label} at={fact.at} />
    ) : (
      <span key={fact.label} title={fact.hint}>
        {fact.text}
      </span>
    ),
    fact.testId,
  ]);
}
