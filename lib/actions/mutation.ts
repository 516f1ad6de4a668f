// A change an operator can ask for, described once and run the same way from a server action or
// an HTTP route: who may (permission), what input is valid (parse), what it touches (target),
// and the work itself (run). run-mutation.ts does the checks and writes the audit record.
import type { Actor } from '@/lib/auth/actor';
import type { Permission } from '@/lib/auth/roles';
import type { AppContext } from '@/lib/context/app-context';

export type MutationResult =
  | { ok: true; message: string }
  | {
      ok: false;
      outcome: 'denied' | 'invalid' | 'error';
      status: 400 | 401 | 403 | 404 | 409 | 429 | 500;
      error: string;
    };

/** What `run` reports: the audit record's state before and after, and the user's message. */
export type MutationOutcome = (
  | { ok: true; message: string; before?: unknown; after?: unknown }
  | {
      ok: false;
      /** denied: the user may do this kind of change, but not to this target (another user's view). */
      outcome: 'invalid' | 'error' | 'denied';
      status: 400 | 403 | 404 | 409 | 500;
      error: string;
      before?: unknown;
      /** What a failed change still left changed (a step made before the one that failed). */
      after?: unknown;
    }
) & {
  /** A more readable target found while running (user/<username> instead of user/<id>). */
  target?: string;
};

export type Parsed<V> = { ok: true; value: V } | { ok: false; error: string };

export interface Mutation<V> {
  /** As recorded in the audit log: node.quarantine, user.set-role, … */
  action: string;
  permission: Permission;
  parse(input: unknown): Parsed<V>;
  /** The target as far as it can be read from raw input (recorded even when the input is invalid). */
  rawTarget(input: unknown): string | null;
  target(value: V): string;
  reason?(value: V): string | null;
  run(value: V, actor: Actor, context: AppContext): Promise<MutationOutcome>;
}

/** A readable field of raw input, for the audit record of an invalid attempt. */
export function rawField(input: unknown, name: string): string | null {
  if (typeof input !== 'object' || input === null) return null;
  const value = (input as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : value === undefined ? null : (JSON.stringify(value) ?? null);
}

/** The first problem of a zod parse, worded for the user. */
export function firstIssue(
  issues: readonly { code: string; path: readonly PropertyKey[]; message: string }[],
  shape: string,
): string {
  const issue = issues[0];
  return issue.code === 'invalid_type' && issue.path.length === 0 ? `expected ${shape}` : issue.message;
}

/**
 * A request body that could not be read as JSON (too large, nested too deep, not JSON): the runner
 * refuses it with `message` after the session and role checks, like any invalid input. `fields`
 * are the ones the URL gave (a node's name), so the audit record still names the target.
 */
export class UnreadableBody {
  constructor(
    readonly message: string,
    readonly fields: Record<string, string> = {},
  ) {}
}
