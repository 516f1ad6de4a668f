// The Providers page's read model over a list of datastores (no server-only import, so tests run
// it on a real database). Today the list is the app's datastore, plus the secondary one when
// SECONDARY_DATABASE_URL is set; each becomes a column, with the gap between them stated.
import type { DataStore, OperationLatency, ProviderCapabilities, ProviderName } from '@/lib/store';

import { toFeedStorageView, type FeedStorageView } from './feed-storage-shape';

export interface DatastoreSource {
  id: string;
  /** What it is to the operator: "App datastore", "Secondary". */
  role: string;
  /** Where it is, without credentials (host:port/database), when known. */
  target: string | null;
  /** Opens (or returns the already open) store; a rejection is shown in the column. */
  open: () => Promise<DataStore>;
}

export interface ConsumerLagRow {
  consumer: string;
  lagSeconds: number | null;
  documentsBehind: number | null;
  documentsBehindCapped: boolean;
  documentsBehindEstimated: boolean;
  positionKnown: boolean;
  positionLost: boolean;
  lastSeenAt: number | null;
}

export interface DatastoreView {
  id: string;
  role: string;
  target: string | null;
  /** 'down' when the store could not be opened or pinged; the other parts may still be present. */
  status: 'ok' | 'degraded' | 'down';
  errors: string[];
  provider: ProviderName | null;
  capabilities: ProviderCapabilities | null;
  pingMs: number | null;
  operations: OperationLatency[];
  pool: { total: number; idle: number; waiting: number; max: number } | null;
  /** PostgreSQL: the changelog (rows, oldest, horizon hold-back); MongoDB: the oplog window. Null when unread. */
  feedStorage: FeedStorageView | null;
  events: { total: number | null; lastHour: number; newestAt: number | null } | null;
  consumers: ConsumerLagRow[] | null;
  /**
   * Time from a change's commit to the app's change feed seeing it. Not measured yet: the live
   * hub (lib/live/live-hub.ts) has each change's committedAt and will report it.
   */
  changeDetectionMs: number | null;
}

export interface ProvidersView {
  datastores: DatastoreView[];
  readAt: number;
}

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

export async function readDatastore(source: DatastoreSource, options: { now?: number; totals?: TotalCountCache } = {}): Promise<DatastoreView> {
  const now = options.now ?? Date.now();
  const errors: string[] = [];
  const base = { id: source.id, role: source.role, target: source.target, changeDetectionMs: null };
  let store: DataStore;
  try {
    store = await source.open();
  } catch (error) {
    return {
      ...base, status: 'down', errors: [`could not open: ${message(error)}`], provider: null, capabilities: null, pingMs: null,
      operations: [], pool: null, feedStorage: null, events: null, consumers: null,
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
    events: lastHour === null && total === null && newest === null
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
export async function readProviders(sources: DatastoreSource[], options: { now?: number; totals?: TotalCountCache } = {}): Promise<ProvidersView> {
  const readAt = options.now ?? Date.now();
  return { datastores: await Promise.all(sources.map((source) => readDatastore(source, { ...options, now: readAt }))), readAt };
}

/** host:port/database of a connection string, without user or password. */
export function describeTarget(connectionString: string | undefined): string | null {
  if (!connectionString) return null;
  try {
    const url = new URL(connectionString);
    return `${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname && url.pathname !== '/' ? url.pathname : ''}`;
  } catch {
    return null;
  }
}

export interface DatastoreGap {
  /** Events in the reference (first) datastore minus this one; null when either count is unknown. */
  events: number | null;
  /** How far this datastore's newest event trails the reference's (seconds; negative: ahead). */
  newestSeconds: number | null;
  lastHour: number | null;
}

/** The gap of each datastore to the first one (the app's): what a copy or migration still lacks. */
export function gapToReference(reference: DatastoreView, other: DatastoreView): DatastoreGap {
  const a = reference.events;
  const b = other.events;
  return {
    events: a?.total != null && b?.total != null ? a.total - b.total : null,
    newestSeconds: a?.newestAt != null && b?.newestAt != null ? (a.newestAt - b.newestAt) / 1000 : null,
    lastHour: a && b ? a.lastHour - b.lastHour : null,
  };
}
