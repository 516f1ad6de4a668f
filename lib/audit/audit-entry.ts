// One attempt to change something, as the audit log keeps it.

export const AUDIT_OUTCOMES = ['ok', 'denied', 'invalid', 'error'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export interface AuditEntryInput {
  /** Username (local), email (OIDC), or "anonymous". */
  actor: string;
  actorRole: string | null;
  /** What was attempted, e.g. node.quarantine, node.release, dead-letter.retry, user.set-role. */
  action: string;
  target: string | null;
  reason: string | null;
  stateBefore: unknown;
  stateAfter: unknown;
  outcome: AuditOutcome;
  /** Why it was denied, what was invalid, or the error. */
  detail: string | null;
  requestId: string;
  clientAddress: string | null;
}

export interface AuditEntry extends AuditEntryInput {
  id: string;
  at: string;
}
