// The put-back when a maintenance opt-out's time ends: one loop per console process looks at the
// watched cluster state (memory: no API call while nothing is due) and puts back every node whose
// console opt-out has ended (./node-opt-out.ts), recording each put-back in the audit log under a
// system actor. Opt-outs made outside the console are never due (./opt-out-record.ts).
// Several replicas may run this loop at once: each put-back is GET, change, PUT with the read
// resourceVersion, so one replica's write wins and the others get 409, read again, and find the
// opt-out gone (or renewed: the due test runs again on the node as read). That is not an error and
// is not audited: exactly one audit row per put-back, whichever replica made it.
import { randomUUID } from 'node:crypto';

import type { KubeConfig } from '@kubernetes/client-node';

import type { AuditEntryInput } from '@/lib/audit/audit-entry';

import type { ClusterState } from './cluster-state';
import { putBackNode, type PutBackWrite } from './node-opt-out';
import { ClusterRefusal } from './node-uncordon';
import { OPT_OUT_LABEL, putBackDue } from './opt-out-record';

/** Who the audit log names for a put-back the console made by itself (no account can take it: usernames have no ':'). */
export const EXPIRY_ACTOR = 'system:opt-out-expiry';
export const EXPIRY_ROLE = 'system';

export interface OptOutExpiryOptions {
  state: Pick<ClusterState, 'allNodes'>;
  config: KubeConfig;
  /** Appends one audit row (the composition root's console pool). */
  audit: (entry: AuditEntryInput) => Promise<void>;
  now?: () => number;
  /** How often memory is looked at. */
  everyMs?: number;
  log?: (line: string) => void;
}

const iso = (at: number) => new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
/** After a failed put-back (RBAC, API server away): wait 30 s, doubling, at most 30 minutes. */
const retryWaitMs = (failures: number) => Math.min(30 * 60_000, 30_000 * 2 ** (failures - 1));

export class OptOutExpiry {
  private timer?: NodeJS.Timeout;
  private checking: Promise<string[]> | null = null;
  /** Nodes whose put-back failed: when to try again, and the failure last recorded (audited once per distinct message). */
  private readonly failed = new Map<string, { retryAt: number; failures: number; message: string }>();
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: OptOutExpiryOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((line) => console.error(line));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.options.everyMs ?? 5_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Puts back every console opt-out due now (one check at a time); answers the nodes this replica put back. */
  check(): Promise<string[]> {
    this.checking ??= this.checkDue().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async checkDue(): Promise<string[]> {
    const now = this.now();
    const due = this.options.state.allNodes().filter((node) => putBackDue(node.optOut, now));
    const dueNames = new Set(due.map((node) => node.name));
    // A failed node no longer due (put back by hand, deleted) is forgotten.
    for (const name of this.failed.keys()) if (!dueNames.has(name)) this.failed.delete(name);
    const putBack: string[] = [];
    for (const node of due) {
      if ((this.failed.get(node.name)?.retryAt ?? 0) > now) continue;
      if (await this.putBack(node.name)) putBack.push(node.name);
    }
    return putBack;
  }

  private async putBack(nodeName: string): Promise<boolean> {
    let written: PutBackWrite;
    try {
      // Due is asked again of the node as read for the write: renewed or put back meanwhile, nothing is written.
      written = await putBackNode(this.options.config, nodeName, (optOut) => putBackDue(optOut, this.now()));
    } catch (error) {
      if (!(error instanceof ClusterRefusal)) throw error;
      // Still changing under another writer, or deleted: the next check sees what is left. Neither is a failure.
      if (error.status === 409 || error.status === 404) return false;
      await this.failure(nodeName, error.message);
      return false;
    }
    this.failed.delete(nodeName);
    if (!written.done) return false;
    const { before, after } = written;
    const mine = before.optOut?.console;
    const record = mine ?? before.optOut?.leftOver;
    const made = record ? ` (taken out by ${record.by}: ${record.reason})` : '';
    await this.record({
      target: nodeName,
      reason: mine
        ? mine.until === null
          ? 'the opt-out had an unreadable end time'
          : `the opt-out ended at ${iso(mine.until)}`
        : 'the opt-out had been ended outside the console',
      stateBefore: before,
      stateAfter: after,
      outcome: 'ok',
      detail: mine
        ? `${nodeName} is back in NVSentinel's hands: ${OPT_OUT_LABEL} ${after.label === null ? 'removed' : `back to "${after.label}"`}${made}`
        : `${nodeName} had been put back outside the console (${OPT_OUT_LABEL} is ${before.label === null ? 'absent' : `"${before.label}"`}); the console's record of its opt-out removed${made}`,
    });
    return true;
  }

  private async failure(nodeName: string, message: string): Promise<void> {
    const last = this.failed.get(nodeName);
    const failures = (last?.failures ?? 0) + 1;
    this.failed.set(nodeName, { retryAt: this.now() + retryWaitMs(failures), failures, message });
    this.log(`[opt-out expiry] ${nodeName} could not be put back (attempt ${failures}): ${message}`);
    // One row per distinct failure, not one per retry.
    if (last?.message === message) return;
    await this.record({
      target: nodeName,
      reason: 'the opt-out ended',
      stateBefore: undefined,
      stateAfter: undefined,
      outcome: 'error',
      detail: `${nodeName} could not be put back into NVSentinel's hands: ${message}; the console tries again`,
    });
  }

  private async record(
    entry: Pick<AuditEntryInput, 'target' | 'reason' | 'stateBefore' | 'stateAfter' | 'outcome' | 'detail'>,
  ): Promise<void> {
    try {
      await this.options.audit({
        actor: EXPIRY_ACTOR,
        actorRole: EXPIRY_ROLE,
        action: 'node.opt-in',
        requestId: `opt-out-expiry-${randomUUID()}`,
        clientAddress: null,
        ...entry,
      });
    } catch (error) {
      this.log(`[opt-out expiry] NOT AUDITED (${(error as Error).message}): ${JSON.stringify(entry)}`);
    }
  }
}
