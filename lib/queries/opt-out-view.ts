// The maintenance opt-out as the browser shows it: the Nodes list's "Opted out" mark (until when,
// and whether the console made it) and the node page's dialog choices and bounds. No server imports.
import type { NodeOptOut } from '@/lib/cluster/opt-out-record';

export { JANITOR_OPT_OUT_LABEL } from '@/lib/cluster/opt-out-record';
export {
  OPT_OUT_DURATIONS,
  OPT_OUT_MAX_MS,
  OPT_OUT_MIN_MS,
  parseDuration,
  spanText,
} from '@/lib/actions/opt-out-duration';

/** A node out of NVSentinel's hands, as a list row marks it. */
export interface OptedOutMark {
  /** When the console puts it back (ms); null when the opt-out is not the console's (it has no end) or its end is unreadable. */
  until: number | null;
  /** false: set outside the console (kubectl, janitor's external remediation); the console never ends it. */
  byConsole: boolean;
}

/** The mark of a node's opt-out; null when NVSentinel manages it (a console record left over alone is no opt-out). */
export function optedOutMarkOf(optOut: NodeOptOut | null | undefined): OptedOutMark | null {
  if (optOut?.console) return { until: optOut.console.until, byConsole: true };
  if (optOut && optOut.outside.length > 0) return { until: null, byConsole: false };
  return null;
}
