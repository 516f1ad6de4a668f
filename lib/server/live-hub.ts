// The process-wide live hub, started on first use. Kept on globalThis so Next.js dev reloads do
// not open a second change feed.
import 'server-only';

import { flushMsFromEnv, LiveHub } from '@/lib/live/live-hub';
import { getDataStore } from '@/lib/server/datastore';

const holder = globalThis as unknown as { sentinelConsoleLiveHub?: LiveHub };

export async function getLiveHub(): Promise<LiveHub> {
  if (!holder.sentinelConsoleLiveHub) {
    const store = await getDataStore();
    holder.sentinelConsoleLiveHub ??= new LiveHub(store, {
      consumer: process.env.LIVE_CONSUMER_NAME || undefined,
      flushMs: flushMsFromEnv(),
      onError: (error) => console.error(`[live] ${(error as Error).message}`),
    });
  }
  await holder.sentinelConsoleLiveHub.start();
  return holder.sentinelConsoleLiveHub;
}

/** The process's live hub as it is (starting, running or recovering), without starting one; undefined before the first getLiveHub(). */
export function currentLiveHub(): LiveHub | undefined {
  return holder.sentinelConsoleLiveHub;
}
