// The Providers page's read model: every configured datastore (the app's, and the secondary one
// when SECONDARY_DATABASE_URL is set) read side by side, each a column; a store that cannot be
// opened or answers only in part is shown as such, never hidden.
import type { AppContext, DatastoreSource } from '@/lib/context/app-context';
import type { DataStore } from '@/lib/store';

import { toFeedStorageView } from './feed-storage-view';
import type { DatastoreView, ProvidersView } from './providers-view';

/** Total counts are a full count: kept this long before counting again. */
export const TOTAL_COUNT_TTL_MS = 30_000;

export type TotalCountCache = Map<string, { at: number; total: number }>;

const message = (reason: unknown) => (reason instanceof Error ? reason.message : String(reason));

async function settle<T>(work: () => Promise<T>, errors: string[], what: string): Promise<T | null> {
  try {
    return await work();
  } catch (error) {
    errors.push(`${what}: ${message(error)}`);
    return null;
  }
}

export async function readDatastore(
  source: DatastoreSource,
  options: { now?: number; totals?: TotalCountCache } = {},
): Promise<DatastoreView> {
  const now = options.now ?? Date.now();
  const errors: string[] = [];
  const base = { id: source.id, role: source.role, target: source.target, changeDetectionMs: null };
  let store: DataStore;
  try {
    store = await source.open();
  } catch (error) {
    return {
      ...base,
      status: 'down',
      errors: [`could not open: ${message(error)}`],
      provider: null,
      capabilities: null,
      pingMs: null,
      operations: [],
      pool: null,
      feedStorage: null,
      events: null,
      consumers: null,
    };
  }
  const events = store.healthEvents();
  const cached = options.totals?.get(source.id);
  const [ping, lastHour, newest, total, lag] = await Promise.all([
    settle(() => store.ping(), errors, 'ping'),
    settle(() => events.count({ from: new Date(now - 3_600_000) }), errors, 'events in the last hour'),
    settle(() => events.find({}, { limit: 1 }), errors, 'newest event'),
    cached && now - cached.at < TOTAL_COUNT_TTL_MS
      ? Promise.resolve(cached.total)
      : settle(() => events.count(), errors, 'event count').then((value) => {
          if (value !== null) options.totals?.set(source.id, { at: now, total: value });
          return value;
        }),
    settle(() => store.consumers().lag(), errors, 'consumer lag'),
  ]);
  // Read last, so the operation figures include this read's own queries.
  const stats = await settle(() => store.stats(), errors, 'stats');
  return {
    ...base,
    status: ping === null ? 'down' : errors.length > 0 ? 'degraded' : 'ok',
    errors,
    provider: store.provider,
    capabilities: store.capabilities,
    pingMs: ping?.latencyMs ?? null,
    operations: stats?.operations ?? [],
    pool: stats?.pool ?? null,
    feedStorage: stats ? toFeedStorageView(stats.feedStorage) : null,
    events:
      lastHour === null && total === null && newest === null
        ? null
        : { total, lastHour: lastHour ?? 0, newestAt: newest?.items[0]?.createdAt.getTime() ?? null },
    consumers: lag
      ? lag.map((figures) => ({
          consumer: figures.consumer,
          lagSeconds: figures.lagSeconds,
          documentsBehind: figures.documentsBehind,
          documentsBehindCapped: figures.documentsBehindCapped,
          documentsBehindEstimated: figures.documentsBehindEstimated === true,
          positionKnown: figures.positionKnown,
          positionLost: figures.positionLost !== null,
          lastSeenAt: figures.lastSeenAt?.getTime() ?? null,
        }))
      : null,
  };
}

/** Every configured datastore, read side by side. */
export async function readProviders(
  sources: DatastoreSource[],
  options: { now?: number; totals?: TotalCountCache } = {},
): Promise<ProvidersView> {
  const readAt = options.now ?? Date.now();
  return {
    datastores: await Promise.all(sources.map((source) => readDatastore(source, { ...options, now: readAt }))),
    readAt,
  };
}

const holder = globalThis as unknown as { sentinelConsoleTotals?: TotalCountCache };

export function readProvidersView(context: AppContext): Promise<ProvidersView> {
  holder.sentinelConsoleTotals ??= new Map();
  return readProviders(context.datastores(), { totals: holder.sentinelConsoleTotals });
}
