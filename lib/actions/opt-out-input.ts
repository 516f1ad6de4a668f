// What an operator may send to take a node out of NVSentinel's hands, or put it back early,
// checked before anything is read or written: the node's name, a reason, and for how long, as a
// duration ("30m", "2h", "3d", "1d12h") or an end time in RFC 3339 with its offset
// ("2026-12-06T18:00:00Z", "2026-12-06T19:00:00+01:00"), never both. The time is bounded (10 minutes
// to 30 days by default): an opt-out is for maintenance, and one forgotten for longer would keep a
// failing node away from NVSentinel unseen. To put it back early: the node's name, a reason and,
// from a page, the `since` of the console's opt-out the page showed, so a newer opt-out (another
// operator's) is not ended from a page that never showed it; a script may leave it out.
import { z } from 'zod';

import { firstIssue, type Parsed } from './mutation';
import { nodeActionInput, type NodeActionInput } from './node-action-input';
import { OPT_OUT_MAX_MS, OPT_OUT_MIN_MS, parseDuration, spanText } from './opt-out-duration';
import { reasonText } from './reason-text';

export interface OptOutBounds {
  minMs: number;
  maxMs: number;
  /** The clock an end time is compared with. */
  now: () => number;
}

export const DEFAULT_OPT_OUT_BOUNDS: OptOutBounds = { minMs: OPT_OUT_MIN_MS, maxMs: OPT_OUT_MAX_MS, now: Date.now };

/** How long, as asked: kept relative or absolute as sent, so a retried request (idempotency key) is the same change. */
export type OptOutEnd = { durationMs: number } | { until: string };

export interface OptOutInput {
  nodeName: string;
  reason: string;
  end: OptOutEnd;
}

const RFC_3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:\d\d)$/i;

/** Why a span is refused (naming the bound), or null. `until` words it as an end time. */
function boundProblem(ms: number, bounds: OptOutBounds, until: boolean): string | null {
  const [what, suffix] = until ? ['until', ' from now'] : ['the opt-out', ''];
  const asked = until ? `it is ${spanText(ms)} away` : `asked: ${spanText(ms)}`;
  if (ms < bounds.minMs) return `${what} must be at least ${spanText(bounds.minMs)}${suffix} (${asked})`;
  if (ms > bounds.maxMs) return `${what} must be at most ${spanText(bounds.maxMs)}${suffix} (${asked})`;
  return null;
}

/** The end of an opt-out asked at `now`, as a time. */
export function endOf(end: OptOutEnd, now: number): Date {
  return new Date('durationMs' in end ? now + end.durationMs : Date.parse(end.until));
}

function optOutSchema(bounds: OptOutBounds) {
  return z
    .object({
      nodeName: nodeActionInput.shape.nodeName,
      reason: reasonText,
      duration: z.string({ error: 'duration must be text such as "30m", "2h" or "3d"' }).optional(),
      until: z.string({ error: 'until must be a time in RFC 3339, such as 2026-12-06T18:00:00Z' }).optional(),
    })
    .transform((input, context): OptOutInput => {
      const fail = (message: string) => {
        context.addIssue({ code: 'custom', message });
        return z.NEVER;
      };
      if (input.duration !== undefined && input.until !== undefined)
        return fail('give either duration or until, not both');
      if (input.duration !== undefined) {
        const durationMs = parseDuration(input.duration);
        if (durationMs === null)
          return fail(`duration must be like "30m", "2h", "3d" or "1d12h" (got "${input.duration.slice(0, 40)}")`);
        const problem = boundProblem(durationMs, bounds, false);
        return problem ? fail(problem) : { nodeName: input.nodeName, reason: input.reason, end: { durationMs } };
      }
      if (input.until !== undefined) {
        const until = input.until.trim();
        const at = RFC_3339.test(until) ? Date.parse(until) : NaN;
        if (Number.isNaN(at))
          return fail(
            `until must be a time in RFC 3339 with its offset, such as 2026-12-06T18:00:00Z (got "${until.slice(0, 40)}")`,
          );
        const left = at - bounds.now();
        if (left <= 0) return fail(`until (${new Date(at).toISOString()}) is not in the future`);
        const problem = boundProblem(left, bounds, true);
        return problem
          ? fail(problem)
          : { nodeName: input.nodeName, reason: input.reason, end: { until: new Date(at).toISOString() } };
      }
      return fail('give how long: duration (such as "2h") or until (an RFC 3339 time)');
    });
}

export interface OptInInput extends NodeActionInput {
  /** When the opt-out the page showed began (RFC 3339, UTC); null: it showed none readable; absent: not checked. */
  since?: string | null;
}

const optInSchema = nodeActionInput.extend({
  since: z
    .union([z.string(), z.null()], { error: 'since must be text (an RFC 3339 time) or null' })
    .optional()
    .transform((since, context) => {
      if (since === undefined || since === null) return since;
      const at = RFC_3339.test(since.trim()) ? Date.parse(since.trim()) : NaN;
      if (!Number.isNaN(at)) return new Date(at).toISOString();
      context.addIssue({
        code: 'custom',
        message: `since must be when the opt-out shown began, in RFC 3339 such as 2026-12-06T12:00:00Z, or null when the page showed none (got "${since.slice(0, 40)}")`,
      });
      return z.NEVER;
    }),
});

/** Parses raw input for a put-back; the error names the first thing wrong. */
export function parseOptIn(input: unknown): Parsed<OptInInput> {
  const parsed = optInSchema.safeParse(input);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, error: firstIssue(parsed.error.issues, '{ nodeName, reason, since }') };
}

/** Parses raw input for an opt-out; the error names the first thing wrong. */
export function parseOptOut(input: unknown, bounds: OptOutBounds = DEFAULT_OPT_OUT_BOUNDS): Parsed<OptOutInput> {
  const parsed = optOutSchema(bounds).safeParse(input);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, error: firstIssue(parsed.error.issues, '{ nodeName, reason, duration or until }') };
}
