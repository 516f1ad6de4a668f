// The twin API server's storage: every object of every resource under one resourceVersion
// counter (as etcd's revision), and a bounded history of changes so a watch can resume from a
// resourceVersion it saw. A resume from before the history answers 410 Gone / Expired, which makes a
// client list again, exactly as against a real server whose etcd compacted.
import { randomUUID } from 'node:crypto';

import { ApiError, conflict, notFound, type KubeObject } from './kube-object';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredChange {
  resourceVersion: number;
  resource: string;
  type: WatchEventType;
  object: KubeObject;
  /** The object before a modification (a watch with a selector sees it leave or enter). */
  previous?: KubeObject;
}

/** How a resource is kept: its plural (the store's key) and kind, for messages. */
export interface ResourceKind {
  plural: string;
  kind: string;
  group: string;
}

export const keyOf = (object: KubeObject) =>
  object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;

/** Byte order for the ASCII of Kubernetes names (etcd compares keys as bytes; localeCompare would not). */
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The index of the first of the sorted `keys` after `key` (a continue token's last key handed out). */
function firstAfter(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (keys[middle] <= key) low = middle + 1;
    else high = middle;
  }
  return low;
}

export class ObjectStore {
  private revision = 1;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  /** Each resource's keys in list order, dropped when a create or delete changes the set. */
  private readonly sortedKeys = new Map<string, string[]>();
  private readonly history: StoredChange[] = [];
  private readonly listeners = new Set<(change: StoredChange) => void>();

  constructor(private readonly historyLimit = 2_000) {}

  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch may resume from (older ones answer 410). */
  get oldestResumable(): number {
    return this.history.length === this.historyLimit ? this.history[0].resourceVersion : 1;
  }

  private table(resource: string): Map<string, KubeObject> {
    let table = this.objects.get(resource);
    if (!table) this.objects.set(resource, (table = new Map()));
    return table;
  }

  /**
   * The objects of `resource` (in `namespace`, when given) that `matches`, in key order: byte order,
   * as etcd's keys come back to a real server's list. Copies, to be changed freely.
   */
  list(resource: string, namespace?: string, matches: (object: KubeObject) => boolean = () => true): KubeObject[] {
    return this.selected(resource, namespace, matches).map((object) => structuredClone(object));
  }

  /**
   * One page of `list`: up to `limit` objects (0: all) after the key `after`, whether any more match,
   * and, without a selector, how many (a real server omits remainingItemCount when a selector is
   * given). Only the page is copied, and the page starts at its key by a binary search: a client
   * reading 100,000 nodes in pages of 500 costs one copy of each node and no walk over the others.
   */
  page(
    resource: string,
    namespace: string | undefined,
    /** The label and field selectors; undefined: none given. */
    matches: ((object: KubeObject) => boolean) | undefined,
    after: string | null,
    limit: number,
  ): { items: KubeObject[]; more: boolean; remaining: number | null } {
    const table = this.table(resource);
    const keys = this.keysOf(resource);
    const fits = (object: KubeObject) =>
      (!namespace || object.metadata.namespace === namespace) && (!matches || matches(object));
    let index = after === null ? 0 : firstAfter(keys, after);
    const items: KubeObject[] = [];
    for (; index < keys.length && (limit <= 0 || items.length < limit); index += 1) {
      const object = table.get(keys[index])!;
      if (fits(object)) items.push(structuredClone(object));
    }
    if (!matches && !namespace) return { items, more: index < keys.length, remaining: keys.length - index };
    let remaining = 0;
    for (; index < keys.length; index += 1) {
      if (!fits(table.get(keys[index])!)) continue;
      remaining += 1;
      if (matches) break; // with a selector, only whether one more matches
    }
    return { items, more: remaining > 0, remaining: matches ? null : remaining };
  }

  /** The keys of `resource` in list order, kept until a create or delete changes the set. */
  private keysOf(resource: string): string[] {
    let keys = this.sortedKeys.get(resource);
    if (!keys) this.sortedKeys.set(resource, (keys = [...this.table(resource).keys()].sort(byteOrder)));
    return keys;
  }

  /** The stored objects themselves (never handed out), in key order; the order is kept until a create or delete. */
  private selected(resource: string, namespace: string | undefined, matches: (object: KubeObject) => boolean) {
    const table = this.table(resource);
    const objects: KubeObject[] = [];
    for (const key of this.keysOf(resource)) {
      const object = table.get(key)!;
      if ((!namespace || object.metadata.namespace === namespace) && matches(object)) objects.push(object);
    }
    return objects;
  }

  get(kind: ResourceKind, name: string, namespace?: string): KubeObject {
    const object = this.table(kind.plural).get(namespace ? `${namespace}/${name}` : name);
    if (!object) throw notFound(kind.kind, name, kind.plural, kind.group);
    return structuredClone(object);
  }

  /** Creates an object; `dryRun`: answers what would be stored and keeps nothing (./dry-run.ts). */
  create(kind: ResourceKind, object: KubeObject, dryRun = false): KubeObject {
    const table = this.table(kind.plural);
    if (table.has(keyOf(object)))
      throw new ApiError(409, 'AlreadyExists', `${kind.plural} "${object.metadata.name}" already exists`, {
        name: object.metadata.name,
        kind: kind.plural,
      });
    const stored = structuredClone(object);
    stored.metadata = {
      ...stored.metadata,
      uid: randomUUID(),
      creationTimestamp: stored.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      generation: 1,
    };
    return this.commit(kind.plural, 'ADDED', stored, dryRun);
  }

  /**
   * Replaces an object. `expected`, when given, is the resourceVersion the writer read: another
   * write since answers 409 Conflict, as optimistic concurrency on a real server does. `dryRun`:
   * checked and answered alike, nothing kept.
   */
  replace(kind: ResourceKind, object: KubeObject, expected?: string, dryRun = false): KubeObject {
    const table = this.table(kind.plural);
    const current = table.get(keyOf(object));
    if (!current) throw notFound(kind.kind, object.metadata.name, kind.plural, kind.group);
    if (expected && expected !== current.metadata.resourceVersion)
      throw conflict(kind.plural, object.metadata.name, kind.group);
    const stored = structuredClone(object);
    // What the server owns stays the server's.
    stored.metadata = {
      ...stored.metadata,
      uid: current.metadata.uid,
      creationTimestamp: current.metadata.creationTimestamp,
      generation:
        (current.metadata.generation ?? 1) + (JSON.stringify(stored.spec) === JSON.stringify(current.spec) ? 0 : 1),
    };
    if (
      JSON.stringify({ ...stored, metadata: { ...stored.metadata, resourceVersion: undefined } }) ===
      JSON.stringify({ ...current, metadata: { ...current.metadata, resourceVersion: undefined } })
    ) {
      return structuredClone(current); // no change: no new resourceVersion, no watch event (as the real server)
    }
    return this.commit(kind.plural, 'MODIFIED', stored, dryRun);
  }

  delete(kind: ResourceKind, name: string, namespace?: string, dryRun = false): KubeObject {
    const current = this.get(kind, name, namespace);
    return this.commit(kind.plural, 'DELETED', current, dryRun);
  }

  /** Calls `listener` with every change from now on; returns the function that stops it. */
  subscribe(listener: (change: StoredChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The changes after `resourceVersion` of `resource`, or 410 when the history no longer reaches back that far. */
  changesSince(resource: string, resourceVersion: number): StoredChange[] {
    if (resourceVersion < this.oldestResumable - 1) {
      throw new ApiError(410, 'Expired', `too old resource version: ${resourceVersion} (${this.oldestResumable - 1})`);
    }
    return this.history.filter((change) => change.resource === resource && change.resourceVersion > resourceVersion);
  }

  private commit(resource: string, type: WatchEventType, object: KubeObject, dryRun = false): KubeObject {
    if (dryRun) {
      // The dry-run storage answers without a new revision: a create has none yet, a change keeps the current one.
      if (type === 'ADDED') delete object.metadata.resourceVersion;
      else object.metadata.resourceVersion = this.table(resource).get(keyOf(object))?.metadata.resourceVersion;
      return structuredClone(object);
    }
    this.revision += 1;
    object.metadata.resourceVersion = String(this.revision);
    const table = this.table(resource);
    const previous = type === 'MODIFIED' ? table.get(keyOf(object)) : undefined;
    if (type === 'DELETED') table.delete(keyOf(object));
    else table.set(keyOf(object), object);
    if (type !== 'MODIFIED') this.sortedKeys.delete(resource);
    const change: StoredChange = {
      resourceVersion: this.revision,
      resource,
      type,
      object: structuredClone(object),
      ...(previous ? { previous: structuredClone(previous) } : {}),
    };
    this.history.push(change);
    if (this.history.length > this.historyLimit) this.history.shift();
    for (const listener of this.listeners) listener(change);
    return structuredClone(object);
  }
}
