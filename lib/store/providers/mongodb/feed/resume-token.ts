// A MongoDB feed position is the change stream resume token's `_data`: hex of a KeyString whose
// first value is the event's cluster time, a BSON Timestamp (KeyString type byte 0x82, then 8
// bytes big-endian: 4 bytes seconds, 4 bytes increment). Decoding that prefix gives a position's
// time without asking the server; checked against the examples of mongodb-js's
// mongodb-resumetoken-decoder (tests/unit/store/providers/mongodb/resume-token.test.ts).
import { Timestamp } from 'mongodb';

export interface ClusterTime {
  seconds: number;
  increment: number;
}

const HEX = /^[0-9a-fA-F]+$/;
const TIMESTAMP_TYPE = '82';

/** Whether a value looks like a resume token's `_data` (hex that starts with a Timestamp). */
export function isTokenData(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 18 &&
    value.length % 2 === 0 &&
    HEX.test(value) &&
    value.slice(0, 2) === TIMESTAMP_TYPE
  );
}

export function clusterTimeOfToken(data: unknown): ClusterTime | null {
  if (!isTokenData(data)) return null;
  return { seconds: Number.parseInt(data.slice(2, 10), 16), increment: Number.parseInt(data.slice(10, 18), 16) };
}

/** The wall-clock second of a position (cluster times have whole-second resolution). */
export function tokenTime(data: unknown): Date | null {
  const time = clusterTimeOfToken(data);
  return time ? new Date(time.seconds * 1000) : null;
}

export function compareClusterTimes(a: ClusterTime, b: ClusterTime): number {
  return a.seconds - b.seconds || a.increment - b.increment;
}

/**
 * Order of two positions: cluster time first, then the rest of the KeyString, whose byte order is
 * the server's order (upper-case hex compares like the bytes it spells).
 */
export function compareTokens(a: string, b: string): number {
  const ta = clusterTimeOfToken(a);
  const tb = clusterTimeOfToken(b);
  if (ta && tb) {
    const byTime = compareClusterTimes(ta, tb);
    if (byTime !== 0) return byTime;
  }
  const [ua, ub] = [a.toUpperCase(), b.toUpperCase()];
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

export const toBsonTimestamp = (time: ClusterTime) => new Timestamp({ t: time.seconds, i: time.increment });
export const fromBsonTimestamp = (timestamp: Timestamp): ClusterTime => ({
  seconds: timestamp.t,
  increment: timestamp.i,
});
