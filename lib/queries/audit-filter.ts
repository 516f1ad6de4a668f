// Audit log filters as they travel in the URL (?actor=&action=&outcome=&target=&requestId=&from=&to=&before=),
// shared by the page, its JSON route and the CSV export. A bad value is an error naming it.
import { z } from 'zod';

import { AUDIT_OUTCOMES } from '@/lib/audit/audit-entry';
import type { AuditFilter } from '@/lib/audit/audit-log';

const text = (name: string) => z.string().max(300, `${name} must be at most 300 characters`).optional();
const time = (name: string) =>
  z
    .string()
    .optional()
    .transform((value, context) => {
      if (!value) return undefined;
      const at = new Date(value);
      if (Number.isNaN(at.getTime())) {
        context.addIssue({ code: 'custom', message: `${name} is not a date or time: "${value.slice(0, 40)}"` });
        return z.NEVER;
      }
      // JavaScript reads years PostgreSQL cannot hold (-200000-01-01); they would fail the query.
      if (at.getUTCFullYear() < 1 || at.getUTCFullYear() > 9999) {
        context.addIssue({ code: 'custom', message: `${name} must be a time between the years 1 and 9999` });
        return z.NEVER;
      }
      return at;
    });
/** Ids are PostgreSQL bigints; a larger number would fail the query rather than match nothing. */
const MAX_ID = 9_223_372_036_854_775_807n;

const schema = z.object({
  actor: text('actor'),
  action: text('action'),
  target: text('target'),
  requestId: z.string().max(100, 'requestId must be at most 100 characters').optional(),
  outcome: z.enum(AUDIT_OUTCOMES, { error: `outcome must be one of ${AUDIT_OUTCOMES.join(', ')}` }).optional(),
  from: time('from'),
  to: time('to'),
  before: z
    .string()
    .refine((id) => /^\d{1,19}$/.test(id) && BigInt(id) <= MAX_ID, 'before must be an entry id')
    .optional(),
});

export type AuditFilterResult = { ok: true; filter: AuditFilter } | { ok: false; error: string };

export function parseAuditFilter(
  params: URLSearchParams | Record<string, string | string[] | undefined>,
): AuditFilterResult {
  const entries =
    params instanceof URLSearchParams
      ? [...params.entries()]
      : Object.entries(params).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value] as const);
  const raw = Object.fromEntries(entries.filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0].message };
  const filter = Object.fromEntries(
    Object.entries(parsed.data).filter(([, value]) => value !== undefined),
  ) as AuditFilter;
  return { ok: true, filter };
}

/** The filter back as URL parameters (for links: the next page, the CSV export). */
export function auditFilterParams(filter: AuditFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  return params;
}
