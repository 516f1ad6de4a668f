// How the node pages name what an event carries beyond the plain fields: values a newer
// NVSentinel writes (an enum value this console does not know, a cancellation, an idempotency
// key, fault-quarantine's recovery marker). Browser-safe: no store imports but the pure enum label.
export { enumLabel, isUnknownEnum } from '@/lib/store/model';

/** The syslog monitor's cancellation key (health-monitors/syslog-health-monitor/pkg/xid/xid_handler.go:41). */
export const CANCEL_SOURCE_KEY = 'nvsentinel.nvidia.com/cancel-source-error-code';
/** The deployment platform connector's idempotency key (docs/nvsentinel-data-model.md §8). */
export const IDEMPOTENCY_KEY = 'idempotencyKey';

interface Cancellable {
  checkName: string;
  errorCode: string[];
  metadata: Record<string, string>;
}

/**
 * "cancels XID 163 (after XID 162)" for the syslog monitor's synthetic healthy event, which
 * clears its errorCode because the error code in its metadata was seen; null for any other event.
 */
export function cancellationLabel(event: Cancellable): string | null {
  const source = event.metadata[CANCEL_SOURCE_KEY];
  if (source === undefined) return null;
  const code = event.checkName === 'SysLogsXIDError' ? 'XID' : 'error code';
  const target = event.errorCode.length ? `${code} ${event.errorCode.join(', ')}` : 'earlier errors';
  return source ? `cancels ${target} (after ${code} ${source})` : `cancels ${target}`;
}
