// A change stream document to the SDK's ChangeEvent. Pure: tested with change documents in the
// shape the server sends. A document the codecs cannot read is still delivered, with `malformed`
// set, so the EventProcessor dead-letters it and the consumer keeps going.
import type { Document } from 'mongodb';

import type { ChangeEvent, Collection, Operation } from '../../../feed/change-event';
import { decodeBefore } from '../../../feed/decode-before';
import { decodeHealthEventDocument, recordIdOf } from '../health-event-codec';
import { decodeMaintenanceDocument } from '../maintenance-event-codec';
import { tokenTime } from './resume-token';

const OPERATIONS: Record<string, Operation> = {
  insert: 'insert',
  update: 'update',
  replace: 'update',
  delete: 'delete',
};

/** Collection names of the watched collections, by the SDK's collection. */
export type WatchedCollections = Record<Collection, string>;

export type DecodedChange =
  | { kind: 'change'; change: ChangeEvent }
  /** Not a document change (drop, rename, …): the stream moves past it, nothing is delivered. */
  | { kind: 'skip' }
  /** The stream ended (collection or database dropped/renamed); reopen after this token. */
  | { kind: 'invalidate' };

export function decodeChange(raw: Document, watched: WatchedCollections): DecodedChange {
  if (raw.operationType === 'invalidate') return { kind: 'invalidate' };
  const operation = Object.hasOwn(OPERATIONS, raw.operationType as string)
    ? OPERATIONS[raw.operationType as string]
    : undefined;
  const collection = (Object.keys(watched) as Collection[]).find((key) => watched[key] === raw.ns?.coll);
  if (!operation || !collection) return { kind: 'skip' };
  const position = String(raw._id?._data ?? '');
  const wallTime = raw.wallTime instanceof Date ? raw.wallTime : null;
  const committedAt =
    wallTime ??
    (raw.clusterTime?.t !== undefined ? new Date(raw.clusterTime.t * 1000) : (tokenTime(position) ?? new Date(0)));
  const base = { position, operation, recordId: recordIdOf(raw.documentKey?._id), committedAt };
  const decode = (document: unknown) => {
    if (document === null || document === undefined) return null;
    return collection === 'healthEvents' ? decodeHealthEventDocument(document) : decodeMaintenanceDocument(document);
  };
  try {
    const document = operation === 'delete' ? null : decode(raw.fullDocument);
    const before = decodeBefore(() => decode(raw.fullDocumentBeforeChange));
    return { kind: 'change', change: { ...base, collection, document, before } as ChangeEvent };
  } catch (error) {
    return {
      kind: 'change',
      change: {
        ...base,
        collection,
        document: null,
        before: null,
        malformed: { error: (error as Error).message, raw: raw.fullDocument ?? null },
      } as ChangeEvent,
    };
  }
}
