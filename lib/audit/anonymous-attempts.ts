// How the audit log takes attempts by callers who are not signed in. Each is still one row, but
// compact (reason and target cut to a glance), and at most PER_SOURCE a minute per client address
// and OVERALL a minute from all of them together: beyond that an attempt is answered 429 and only
// counted, and the next row recorded from that address says how many went unrecorded. A probe
// once wrote 100 rows a second with 2,000-character reasons; anonymous callers must not be able to
// bury what signed-in people did, or fill the disk.
//
// Signed-in users are never limited here (their changes have their own rate limit, and every
// attempt of theirs is recorded whole). In-process, shared by proxy.ts and the mutation runner.
import net from 'node:net';

import { RateLimiter } from '../security/rate-limiter';
import type { AuditEntryInput } from './audit-entry';

export const ANONYMOUS_ROWS_PER_SOURCE = 30;
export const ANONYMOUS_ROWS_OVERALL = 600;
/** What an anonymous row keeps of a reason or a target. */
const COMPACT_TEXT = 100;

/**
 * The source an address counts as: itself for IPv4, its /64 for IPv6, since one host or network
 * is handed a whole /64 and could otherwise take a fresh address for every attempt.
 */
export function sourceOf(address: string): string {
  if (net.isIP(address) !== 6) return address;
  const [head, tail = ''] = address.toLowerCase().split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export type Admission = { record: true; unrecorded: number } | { record: false; retryAfterMs: number };

export class AnonymousAttempts {
  private readonly perSource: RateLimiter;
  private readonly overall: RateLimiter;
  private readonly unrecorded = new Map<string, number>();

  constructor(
    perSource = ANONYMOUS_ROWS_PER_SOURCE,
    overall = ANONYMOUS_ROWS_OVERALL,
    private readonly now: () => number = Date.now,
  ) {
    this.perSource = new RateLimiter(perSource);
    this.overall = new RateLimiter(overall);
  }

  /** Whether the attempt from `address` (a client address) gets its row, and how many before it did not. */
  admit(address: string): Admission {
    const source = sourceOf(address);
    const now = this.now();
    const wait = Math.max(this.perSource.waitMs(source, now), this.overall.waitMs('all', now));
    if (wait > 0) {
      if (this.unrecorded.size < 10_000 || this.unrecorded.has(source))
        this.unrecorded.set(source, (this.unrecorded.get(source) ?? 0) + 1);
      return { record: false, retryAfterMs: wait };
    }
    this.perSource.record(source, now);
    this.overall.record('all', now);
    const unrecorded = this.unrecorded.get(source) ?? 0;
    this.unrecorded.delete(source);
    return { record: true, unrecorded };
  }
}

const holder = globalThis as unknown as Record<symbol, AnonymousAttempts | undefined>;
const KEY = Symbol.for('sentinel-console.anonymous-attempts');

/** The process's one budget (proxy.ts and route handlers are separate bundles of one process). */
export function anonymousAttempts(): AnonymousAttempts {
  return (holder[KEY] ??= new AnonymousAttempts());
}

const cut = (text: string | null) =>
  text !== null && text.length > COMPACT_TEXT ? `${text.slice(0, COMPACT_TEXT)}… (${text.length} characters)` : text;

/** An anonymous attempt's row: no states, reason and target cut, and the count of those not recorded. */
export function compactAnonymousEntry(entry: AuditEntryInput, unrecorded: number): AuditEntryInput {
  const note =
    unrecorded > 0
      ? ` (${unrecorded} earlier attempt${unrecorded === 1 ? '' : 's'} from this address not recorded one by one)`
      : '';
  return {
    ...entry,
    target: cut(entry.target),
    reason: cut(entry.reason),
    stateBefore: undefined,
    stateAfter: undefined,
    detail: `${cut(entry.detail) ?? ''}${note}` || null,
  };
}

/** The answer to an attempt beyond the budget. */
export function tooManyAnonymousAttempts(retryAfterMs: number): string {
  return `too many attempts without signing in from this address; sign in first, or try again in ${Math.ceil(retryAfterMs / 1000)} s`;
}
