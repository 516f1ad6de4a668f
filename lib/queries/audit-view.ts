// What the Audit page's browser side receives (one page of entries, the filter menus and the names
// of the users its entries name by id), and how an entry reads: its action by name ("Quarantine a
// node", not node.quarantine), a user as their username, and the fields that changed, each as
// `field: before → after`; a side that is not an object is shown whole.
import type { AuditEntry } from '@/lib/audit/audit-entry';
import { formatTime, UTC } from '@/lib/format/time';

export { AUDIT_OUTCOMES } from '@/lib/audit/audit-entry';

export const AUDIT_PAGE_SIZE = 100;

export interface AuditPage {
  entries: AuditEntry[];
  facets: { actions: string[]; actors: string[] };
  /**
   * Usernames (an email for a single-sign-on user without one) by user id, for the ids these entries
   * hold: a change of a user refused before its user was looked up records the id it was sent (bare,
   * or user/<id>), and a creation records the new user's id in its state after.
   */
  users: Record<string, string>;
  /** `before` for the next (older) page, when there is one. */
  nextBefore: string | null;
}

/**
 * Every action the console records, by name. The mutations' (lib/actions) and the two names proxy.ts
 * gives what it refuses before any mutation runs; tests/unit/queries/audit-view.test.ts checks that
 * every mutation has one.
 */
export const AUDIT_ACTION_NAMES: Readonly<Record<string, string>> = {
  'node.quarantine': 'Quarantine a node',
  'node.release': 'Release a node',
  'node.bulk-quarantine': 'Quarantine nodes in bulk (refused whole)',
  'node.bulk-release': 'Release nodes in bulk (refused whole)',
  'node.opt-out': 'Take a node out of NVSentinel',
  'node.opt-in': 'Put a node back into NVSentinel',
  'dead-letter.retry': 'Retry a dead letter',
  'circuit-breaker.reset': 'Reset the circuit breaker',
  'alerts.destination.create': 'Add an alert webhook',
  'alerts.destination.update': 'Change an alert webhook',
  'alerts.destination.delete': 'Delete an alert webhook',
  'alerts.destination.test': 'Send a test alert',
  'alerts.destination.mute': 'Mute or unmute an alert webhook',
  'alerts.settings': 'Change when a consumer is at risk of losing events',
  'views.create': 'Save a named view',
  'views.rename': 'Rename a named view',
  'views.share': 'Share or unshare a named view',
  'views.delete': 'Delete a named view',
  'user.create': 'Create a user',
  'user.set-role': 'Change a user’s role',
  'user.disable': 'Disable a user',
  'user.enable': 'Enable a user',
  'user.set-password': 'Set a user’s password',
  'user.unknown-change': 'Unknown change of a user',
  'request.cross-origin': 'Request from another origin',
  'server-action.refused': 'Refused server action',
};

/** An action by name; one this console does not know (a newer version's) as recorded. */
export const auditActionName = (action: string): string =>
  Object.hasOwn(AUDIT_ACTION_NAMES, action) ? AUDIT_ACTION_NAMES[action] : action;

/** The action filter's choices: the recorded actions by name, in the order of their names. */
export function auditActionChoices(actions: readonly string[]): { value: string; label: string }[] {
  return actions
    .map((action) => ({ value: action, label: auditActionName(action) }))
    .sort((a, b) => a.label.localeCompare(b.label, 'en'));
}

const USER_TARGET = /^user\/(.+)$/s;

/**
 * The user a target may name, by id or username: user/<key> whatever the action; and for a change of
 * a user, a bare target too (what the request sent, recorded as sent when refused before it was read).
 */
export function userTargetKey(action: string, target: string | null): string | null {
  if (target === null) return null;
  const named = USER_TARGET.exec(target)?.[1];
  if (named !== undefined) return named;
  return action.startsWith('user.') ? target : null;
}

/** A target as the page shows it: a user's id as user/<username> when the user is known. */
export function auditTargetText(
  entry: Pick<AuditEntry, 'action' | 'target'>,
  users: Readonly<Record<string, string>>,
): string | null {
  const key = userTargetKey(entry.action, entry.target);
  return key !== null && Object.hasOwn(users, key) ? `user/${users[key]}` : entry.target;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An RFC 3339 time with its zone, as the cluster's records keep them (an opt-out's until). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

interface ShowOptions {
  zone: string;
  users: Readonly<Record<string, string>>;
}

function show(value: unknown, { zone, users }: ShowOptions): string {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'string' && Object.hasOwn(users, value)) return users[value];
  // Milliseconds since the epoch (state times) and RFC 3339 strings read as times, in the viewer's zone.
  if (typeof value === 'number' && value > 1e12 && value < 1e13) return formatTime(value, zone);
  if (typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value)))
    return formatTime(Date.parse(value), zone);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

export interface ChangedField {
  field: string;
  before: string;
  after: string;
}

/**
 * The fields that differ; every field of a lone side (a creation, or a refusal with no after). Times
 * are shown in `zone` (UTC unless told), and a user id `users` knows as the username (its field, an
 * `id`, then reads `user`).
 */
export function changedFields(
  before: unknown,
  after: unknown,
  { zone = UTC, users = {} }: { zone?: string; users?: Readonly<Record<string, string>> } = {},
): ChangedField[] {
  const options = { zone, users };
  if (!isRecord(before) && !isRecord(after)) {
    return before == null && after == null
      ? []
      : [{ field: '', before: show(before, options), after: show(after, options) }];
  }
  const from = isRecord(before) ? before : {};
  const to = isRecord(after) ? after : {};
  const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])];
  const onlyOneSide = !isRecord(before) || !isRecord(after);
  return keys
    .filter((key) => onlyOneSide || JSON.stringify(from[key]) !== JSON.stringify(to[key]))
    .map((key) => ({
      field:
        key === 'id' && [from[key], to[key]].some((id) => typeof id === 'string' && Object.hasOwn(users, id))
          ? 'user'
          : key,
      before: isRecord(before) ? show(from[key], options) : '',
      after: isRecord(after) ? show(to[key], options) : '',
    }));
}
