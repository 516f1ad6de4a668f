// A Throughput bucket's time as the chart writes it (axis, tooltip, a segment link's name), in the
// zone every time on the page is shown in (components/ui/display-zone.tsx), not the browser's own:
// the chart's caption names that zone once.
import { formatClock } from '@/lib/format/time';

/** Buckets of an hour or more span days: their times carry the day. */
export const bucketsSpanDays = (bucketSeconds: number) => bucketSeconds >= 3_600;

/** A bucket's edge: "14:05", "14:05:30" for buckets under a minute, "Dec 6 14:00" for hours. */
export function bucketClock(at: number, bucketSeconds: number, zone: string): string {
  return formatClock(at, zone, { seconds: bucketSeconds < 60, day: bucketsSpanDays(bucketSeconds) });
}

/** A bucket from its start to its end: "14:05–14:10". */
export function bucketSpan(bucket: { start: number; end: number }, bucketSeconds: number, zone: string): string {
  return `${bucketClock(bucket.start, bucketSeconds, zone)}–${bucketClock(bucket.end, bucketSeconds, zone)}`;
}
