/** protobuf Timestamp as NVSentinel stores it: whole seconds plus nanoseconds. */
export interface Timestamp {
  seconds: number;
  nanos: number;
}

export function timestampToDate(timestamp: Timestamp): Date {
  return new Date(timestamp.seconds * 1000 + Math.floor(timestamp.nanos / 1e6));
}

export function dateToTimestamp(date: Date): Timestamp {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1e6 };
}
