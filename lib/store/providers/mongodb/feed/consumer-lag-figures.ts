// One consumer's lag figures from what the registry read: its position, the cluster's head time,
// and a scan of the changes after the position. Pure, so its rules are unit-tested:
//   - seconds behind counts from the oldest unread change (0 when caught up, never negative), not
//     from the age of the last change, so an idle, caught-up consumer is not "behind";
//   - documents behind is counted by scanning the change stream up to a cap, and is labelled an
//     estimate (changes after the head reading are left out; past the cap it is "at least");
//   - a position the oplog no longer holds is reported lost, never as zero lag.
import type { ConsumerLagFigures } from '../../../feed/consumer-lag';

export interface BehindScan {
  /** Changes after the position, up to the head (or the cap). */
  count: number;
  /** The scan reached the head; otherwise it stopped at the cap or its time budget. */
  complete: boolean;
  firstAt: Date | null;
  lastAt: Date | null;
  /** Set when the oplog no longer holds the position. */
  lost?: string;
}

export interface LagInput {
  consumer: string;
  position: string | null;
  positionTime: Date | null;
  /** The cluster's majority-committed time when the figures were read. */
  clusterTime: Date | null;
  scan: BehindScan | null;
  /** A loss recorded earlier (by a feed or an earlier reading). */
  lostMark: { at: Date; reason: string } | null;
  lastAckAt: Date | null;
  lastSeenAt: Date | null;
  now?: Date;
}

export function lagFigures(input: LagInput): ConsumerLagFigures {
  const lost = input.lostMark ?? (input.scan?.lost ? { at: input.now ?? new Date(), reason: input.scan.lost } : null);
  const scan = lost ? null : input.scan;
  // Cluster times have whole-second resolution; the newest change read is more precise.
  const times = [input.clusterTime, scan?.lastAt].filter((time): time is Date => time instanceof Date);
  const headTime = times.length ? new Date(Math.max(...times.map((time) => time.getTime()))) : null;
  const documentsBehind = scan ? scan.count : null;
  const lagSeconds = !scan
    ? null
    : scan.count === 0 || !headTime || !scan.firstAt
      ? 0
      : Math.max(0, (headTime.getTime() - scan.firstAt.getTime()) / 1000);
  return {
    consumer: input.consumer,
    position: lost ? null : input.position,
    positionTime: lost ? null : input.positionTime,
    headTime,
    lagSeconds,
    documentsBehind,
    documentsBehindCapped: scan ? !scan.complete : false,
    documentsBehindEstimated: true,
    positionKnown: scan !== null,
    positionLost: lost,
    lastAckAt: input.lastAckAt,
    lastSeenAt: input.lastSeenAt,
  };
}
