import { notFound } from 'next/navigation';
import { appContext } from '@/lib/server/app-context';

import { parseNodeRange, readNodeDetail } from '@/lib/queries/node-detail';
import { parseNodePageParams } from '@/lib/queries/node-gpus-view';
import { requirePageActor } from '@/lib/server/auth';

import { NodeClient } from './client';

export const dynamic = 'force-dynamic';

export default async function NodePage({
  params,
  searchParams,
}: {
  params: Promise<{ name: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageActor();
  const { name: encoded } = await params;
  const name = decodeURIComponent(encoded);
  const query = await searchParams;
  const range = parseNodeRange(query.range);
  // ?entity=GPU:3&fatal=1 filter the event table (its first page is read for them); ?event=<recordId>
  // (the Events search's link) opens one, read by its id when that page leaves it out. The client
  // reads them from the URL.
  const { filter, event } = parseNodePageParams(query);
  const detail = await readNodeDetail(appContext(), name, range, { event, filter });
  if (!detail) notFound();
  return <NodeClient initial={detail} />;
}
