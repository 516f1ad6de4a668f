// The node projection kept in the console database (issue 18), so that a start loads one row per
// node and follows the change feed from where the rows stand, whatever the history's size.
//
// Built once per datastore, in pages of nodes: each page is read with the feed checkpoint of its
// moment (DataStore.readNodeState) and saved with it. The feed is then followed from a checkpoint
// taken before the first page; a change a node's page already saw is not applied to it again, so
// every change counts once. An interrupted build goes on from its last page. The live hub applies
// the feed's changes and saves the nodes they touched with the feed's checkpoint in one
// transaction (ProjectionTables.save), so a restart never applies a change twice. The Throughput
// page's roll-ups (./event-counts.ts) go the same way: each page's nodes' events counted in its read
// and saved with it, the feed's inserts after it saved with the nodes.
import { RECORD_VERSION, type NodeProjection } from '../node-state/node-projection';
import { storeErrorCode, type DataStore, type EventCountRequest, type FeedCheckpoint } from '../store';
import { EventCountDeltas, ROLLUP_VERSION, SPAN_KEPT_MS, type EventCountRow } from './event-counts';
import type { LeaseHold } from './projection-lease';
import type { ProjectionStateRow, ProjectionTables } from './projection-tables';

/** Nodes of a build's first page (and the fewest of any page when the size is not set): one consistent read each. */
export const DEFAULT_PAGE_SIZE = 500;
/** The most nodes of a page when the size is not set. */
const MAX_PAGE_SIZE = 10_000;
/** Events a page aims at when the size is not set. */
const EVENTS_PER_PAGE = 100_000;

/**
 * The next page's nodes when the size is not set: as many as hold about EVENTS_PER_PAGE events at
 * the last page's events per node, from DEFAULT_PAGE_SIZE to MAX_PAGE_SIZE. Each page has fixed
 * costs whatever its events (a transaction, its roll-up rows upserted: a bucket's row per value,
 * however few events), so a fleet of 100,000 nodes with short histories built in 200 pages of 500
 * took half an hour; in pages of 10,000 it takes a few minutes. Nodes with long histories keep
 * pages at 500, so no consistent read holds the datastore for long.
 */
export function nextPageSize(nodes: number, events: number): number {
  const fitting = Math.round((nodes * EVENTS_PER_PAGE) / Math.max(1, events));
  return Math.min(MAX_PAGE_SIZE, Math.max(DEFAULT_PAGE_SIZE, fitting));
}

/**
 * CONSOLE_PROJECTION_PAGE_SIZE, checked: nodes per page of a build, a whole number from 10 to
 * 10000; unset, pages start at 500 nodes and grow where nodes have few events (nextPageSize).
 * Smaller pages hold each consistent read of the datastore for less time (and show the build's
 * progress in smaller steps); larger ones build sooner.
 */
export function pageSizeFromEnv(env: Record<string, string | undefined> = process.env): number | undefined {
  const raw = env.CONSOLE_PROJECTION_PAGE_SIZE;
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 10 || value > 10_000)
    throw new RangeError(
      `CONSOLE_PROJECTION_PAGE_SIZE must be a whole number of nodes from 10 to 10000 (got "${raw}")`,
    );
  return value;
}

export interface KeptStart {
  /** Where the feed is followed from. */
  from: FeedCheckpoint;
  /** The checkpoint of the build page that read each node: changes it had passed are not applied again. */
  pageOf: Map<string, FeedCheckpoint>;
}

export interface BuildProgress {
  phase: 'building' | 'live';
  nodesBuilt: number;
  nodesTotal: number | null;
  startedAt: number;
  finishedAt: number | null;
}

export interface BuildOptions {
  /** After each page. */
  onProgress?: (progress: BuildProgress) => void;
  /** After each page, with the names of the nodes it read (now in the projection). */
  onPage?: (names: string[]) => void;
  /** Once the feed's starting checkpoint is taken: every change after it is counted by the feed or a page. */
  onPrepared?: () => void;
  /** Before a fresh build (not one going on) takes its starting checkpoint. */
  beforeFreshBuild?: () => Promise<void>;
  /** False once the build's hub changed role or stopped: it stops before its next read or write. */
  isCurrent?: () => boolean;
}

/** The build stopped because its hub changed role or stopped. */
export class BuildAborted extends Error {
  override name = 'BuildAborted';
}

export interface KeptProjectionOptions {
  /** Nodes per build page; unset, pages grow where nodes have few events (nextPageSize). */
  pageSize?: number;
  /** One line per step worth telling an operator (the build's start, progress, end). */
  log?: (line: string) => void;
}

export class KeptProjection {
  private current: BuildProgress | null = null;
  private readonly pageSize: number | undefined;
  private readonly log: (line: string) => void;

  constructor(
    private readonly tables: ProjectionTables,
    options: KeptProjectionOptions = {},
  ) {
    this.pageSize = options.pageSize;
    this.log = options.log ?? (() => {});
  }

  /** The build's progress (null before the first look at the tables). */
  progress(): BuildProgress | null {
    return this.current;
  }

  /**
   * While the keeper builds: the nodes of the pages it saved from `page` on, into `projection`, for
   * a follower to show what is read so far (as the keeper does). Returns the next page to ask for.
   */
  async loadBuiltPages(projection: NodeProjection, page: number): Promise<{ next: number; names: string[] }> {
    const { records, next } = await this.tables.pagesFrom(page);
    projection.importRecords(records);
    return { next, names: records.map((record) => record.name) };
  }

  /** Reads the kept projection's state (a replica that follows, while the holder builds it). */
  async peek(): Promise<BuildProgress | null> {
    const state = await this.tables.state();
    this.current = state ? progressOf(state) : null;
    return this.current;
  }

  /**
   * Loads the kept rows into `projection` when they can be served: built from this datastore, in
   * this record shape, every page in. Null otherwise (nothing kept, or it must be built again). A
   * follower takes rows whose roll-ups are of another version (a keeper of another release keeps
   * them: its nodes are good; the charts read the events until a keeper of this one builds them).
   */
  async load(
    store: DataStore,
    projection: NodeProjection,
    options: { follower?: boolean } = {},
  ): Promise<KeptStart | null> {
    // One consistent read: the keeper (another replica) may save while this one loads, and rows
    // newer than the checkpoint read would have their changes applied again from the feed.
    return this.tables.consistently(async (tables) => {
      const state = await tables.state();
      if (!state || state.phase !== 'live') return null;
      if (!(options.follower ? keptFrom(store, state, { anyRollups: true }) : this.usable(store, state))) return null;
      const pageOf = await loadKeptRows(tables, projection);
      this.current = progressOf(state);
      return { from: state.checkpoint, pageOf };
    });
  }

  /**
   * Builds the kept projection into `projection` and the tables, page by page, going on from the
   * last page of an interrupted build of the same datastore. `onProgress` after each page.
   */
  async build(store: DataStore, projection: NodeProjection, hold: LeaseHold, options: BuildOptions = {}) {
    const onProgress = options.onProgress ?? (() => {});
    const current = options.isCurrent ?? (() => true);
    const stillCurrent = () => {
      // The hub changed role (or stopped) meanwhile: this build must not touch the projection or the tables.
      if (!current()) throw new BuildAborted();
    };
    const events = store.healthEvents();
    const pageOf = new Map<string, FeedCheckpoint>();
    let from: FeedCheckpoint;
    let page: number;
    // What an interrupted build left, read at one moment (its pages and rows agree).
    const resumed = await this.tables.consistently(async (tables) => {
      const state = await tables.state();
      if (!state || state.phase !== 'building' || !this.usable(store, state)) return null;
      stillCurrent();
      const pages = await tables.pages();
      for (const [name, checkpoint] of await loadKeptRows(tables, projection)) pageOf.set(name, checkpoint);
      return { state, nextPage: pages.length === 0 ? 0 : pages[pages.length - 1].page + 1 };
    });
    stillCurrent();
    let after: string | undefined;
    if (resumed) {
      const { state } = resumed;
      from = state.checkpoint;
      page = resumed.nextPage;
      after = state.lastBuiltNode ?? undefined;
      this.current = progressOf(state);
      this.log(
        `node projection: going on with the build after ${state.nodesBuilt} of ${state.nodesTotal ?? '?'} nodes`,
      );
    } else {
      projection.clear();
      await options.beforeFreshBuild?.();
      stillCurrent();
      // Taken before the first page: every change after it is in a page's read or comes by the feed.
      from = (await readRetrying(store, [])).checkpoint;
      const total = await countNodes(store);
      stillCurrent();
      await this.tables.beginBuild(hold, {
        datastore: identity(store),
        checkpoint: from,
        recordVersion: RECORD_VERSION,
        nodesTotal: total,
      });
      page = 0;
      this.current = { phase: 'building', nodesBuilt: 0, nodesTotal: total, startedAt: Date.now(), finishedAt: null };
      this.log(
        `node projection: building it from ${store.provider} (${total} nodes, ${this.pageSize ?? `from ${DEFAULT_PAGE_SIZE}`} per page)`,
      );
    }
    onProgress(this.current);
    options.onPrepared?.();
    let lastLogged = Date.now();
    let pageSize = this.pageSize ?? DEFAULT_PAGE_SIZE;
    for (;;) {
      const names = await events.nodeNames({ after, limit: pageSize });
      if (names.length === 0) break;
      // The page's events counted by hour for the whole history, and by quarter-hour and minute for
      // the days those are kept: far fewer rows than a minute's for every event ever.
      const now = Date.now();
      const spans = [3_600, 900, 60] as const;
      const read = await readRetrying(
        store,
        names,
        spans.map((span) => {
          const kept = SPAN_KEPT_MS[span];
          return { bucketSeconds: span, ...(kept === null ? {} : { since: new Date(now - kept) }) };
        }),
      );
      stillCurrent();
      projection.loadNodes(read, names);
      const records = names.flatMap((name) => projection.exportRecord(name) ?? []);
      const counts = new EventCountDeltas();
      spans.forEach((span, index) => counts.addCounts(read.eventCounts?.[index] ?? [], [span], now));
      if (this.pageSize === undefined) {
        // The hourly counts cover the whole history: by severity, every event of the page once.
        const events = (read.eventCounts?.[0] ?? [])
          .filter((count) => count.dimension === 'severity')
          .reduce((sum, count) => sum + count.count, 0);
        pageSize = nextPageSize(names.length, events);
      }
      await this.tables.savePage(hold, page, read.checkpoint, records, counts.take());
      projection.takeDirty();
      for (const name of names) pageOf.set(name, read.checkpoint);
      page += 1;
      after = names[names.length - 1];
      this.current = { ...this.current!, nodesBuilt: this.current!.nodesBuilt + records.length };
      options.onPage?.(names);
      onProgress(this.current);
      if (Date.now() - lastLogged > 5_000) {
        lastLogged = Date.now();
        this.log(`node projection: ${this.current.nodesBuilt} of ${this.current.nodesTotal ?? '?'} nodes built`);
      }
    }
    stillCurrent();
    await this.tables.finishBuild(hold);
    this.current = { ...this.current!, phase: 'live', finishedAt: Date.now() };
    onProgress(this.current);
    this.log(
      `node projection: built, ${this.current.nodesBuilt} nodes in ${((this.current.finishedAt! - this.current.startedAt) / 1000).toFixed(1)} s; following the feed`,
    );
    return { from, pageOf } satisfies KeptStart;
  }

  /**
   * Saves the nodes the feed changed and the events it inserted (counted into the roll-ups) with
   * the checkpoint after them, in one transaction.
   */
  save(
    hold: LeaseHold,
    projection: NodeProjection,
    names: string[],
    checkpoint: FeedCheckpoint,
    counts: EventCountRow[] = [],
  ): Promise<void> {
    return this.tables.save(
      hold,
      names.flatMap((name) => projection.exportRecord(name) ?? []),
      checkpoint,
      counts,
    );
  }

  private usable(store: DataStore, state: ProjectionStateRow): boolean {
    return keptFrom(store, state);
  }
}

/** The build's progress as the state row tells it. */
function progressOf(state: ProjectionStateRow): BuildProgress {
  return {
    phase: state.phase,
    nodesBuilt: state.nodesBuilt,
    nodesTotal: state.nodesTotal,
    startedAt: state.buildStartedAt.getTime(),
    finishedAt: state.buildFinishedAt?.getTime() ?? null,
  };
}

/**
 * Replaces what `projection` holds with the kept rows; returns, per node read by a build page, that
 * page's checkpoint (the changes it had passed are not applied to the node again).
 */
async function loadKeptRows(
  tables: ProjectionTables,
  projection: NodeProjection,
): Promise<Map<string, FeedCheckpoint>> {
  const checkpoints = new Map((await tables.pages()).map((page) => [page.page, page.checkpoint]));
  const pageOf = new Map<string, FeedCheckpoint>();
  projection.clear();
  await tables.loadRecords((kept) => {
    projection.importRecords(kept.map((entry) => entry.record));
    for (const entry of kept) {
      const checkpoint = entry.page === null ? undefined : checkpoints.get(entry.page);
      if (checkpoint !== undefined) pageOf.set(entry.record.name, checkpoint);
    }
  });
  return pageOf;
}

/** Which datastore a kept projection was built from: rows of another must not be served. */
function identity(store: DataStore): string {
  return `${store.provider}:${store.target}`;
}

/**
 * True when the state is of a projection kept from `store`, in this record shape, with these
 * roll-ups (any roll-ups with `anyRollups`: its nodes alone are wanted).
 */
export function keptFrom(store: DataStore, state: ProjectionStateRow, options: { anyRollups?: boolean } = {}): boolean {
  return (
    state.datastore === identity(store) &&
    state.recordVersion === RECORD_VERSION &&
    (options.anyRollups === true || state.rollupVersion === ROLLUP_VERSION)
  );
}

/**
 * readNodeState, read again a few times when the datastore says `busy` (commit order: many
 * transactions committed while an older one is still open, more than a position may note).
 */
async function readRetrying(store: DataStore, nodeNames: string[], eventCounts?: EventCountRequest[]) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await store.readNodeState({ nodeNames, ...(eventCounts ? { eventCounts } : {}) });
    } catch (error) {
      if (storeErrorCode(error) !== 'busy' || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function countNodes(store: DataStore): Promise<number> {
  let count = 0;
  let after: string | undefined;
  for (;;) {
    const names = await store.healthEvents().nodeNames({ after, limit: 10_000 });
    if (names.length === 0) return count;
    count += names.length;
    after = names[names.length - 1];
  }
}
