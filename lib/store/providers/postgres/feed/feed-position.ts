// A PostgreSQL feed position: the changelog row's writing transaction and id, i.e. commit order
// below the visibility horizon. Serialised as "<txid>/<id>"; stored in resume_tokens as
// NVSentinel's token plus our txid: {"timestamp": RFC3339Nano, "eventID": n, "txid": "t"}.
import { ValidationError } from '../../../errors/validation-error';
import { formatRfc3339Nano } from '../health-event-codec';

export interface ChangelogPosition {
  txid: bigint;
  id: bigint;
}

export const START: ChangelogPosition = { txid: 0n, id: 0n };

/** SQL for a changelog row's place in commit order; rows from before our migration sort as txid 0. */
export const COMMIT_ORDER = `COALESCE(txid, '0'::xid8)`;

export function encodePosition(position: ChangelogPosition): string {
  return `${position.txid}/${position.id}`;
}

export function parsePosition(value: unknown): ChangelogPosition {
  const match = typeof value === 'string' ? /^(\d{1,20})\/(\d{1,19})$/.exec(value) : null;
  if (!match) throw new ValidationError('position', `is not a PostgreSQL feed position (expected "<txid>/<id>", got ${JSON.stringify(value)?.slice(0, 60)})`);
  return { txid: BigInt(match[1]), id: BigInt(match[2]) };
}

export function comparePositions(a: ChangelogPosition, b: ChangelogPosition): number {
  if (a.txid !== b.txid) return a.txid < b.txid ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

export interface StoredToken {
  timestamp?: string;
  eventID?: number | string;
  txid?: string;
}

export function tokenFor(position: ChangelogPosition, changedAt: Date): StoredToken {
  return { timestamp: formatRfc3339Nano(changedAt), eventID: Number(position.id), txid: position.txid.toString() };
}
