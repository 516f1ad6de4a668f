// Who may do what. Three roles, each a superset of the one before:
//   viewer   reads every page;
//   operator also quarantines and releases nodes, retries dead letters, and takes a node out of
//            NVSentinel's hands for maintenance and puts it back (nodes:opt-out);
//   admin    also manages users (create, change role, disable, reset password), resets
//            NVSentinel's circuit breaker (breaker:reset: it restarts fault-quarantine, which may
//            cordon many nodes at once, so it is kept to admins) and configures webhook alerts
//            (alerts:manage: a webhook URL decides where cluster data is sent).
// Every role saves its own named views (views:save): a view changes nothing of NVSentinel's, it is
// a filter kept under a name (docs/decisions.md, "Saved views"). Admins also see and delete anyone's
// (views:delete-any), so a view named or shared in bad taste can be taken away.
// Every server action and route handler asks `can(role, permission)` itself; the page only hides
// what the role cannot do, it never is the check.

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | 'dashboard:read'
  | 'audit:read'
  | 'nodes:quarantine'
  | 'nodes:release'
  | 'dead-letters:retry'
  | 'users:manage'
  | 'nodes:opt-out'
  | 'breaker:reset'
  | 'alerts:manage'
  | 'views:save'
  | 'views:delete-any';

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['dashboard:read', 'audit:read', 'views:save'],
  operator: [
    'dashboard:read',
    'audit:read',
    'nodes:quarantine',
    'nodes:release',
    'dead-letters:retry',
    'nodes:opt-out',
    'views:save',
  ],
  admin: [
    'dashboard:read',
    'audit:read',
    'nodes:quarantine',
    'nodes:release',
    'dead-letters:retry',
    'users:manage',
    'breaker:reset',
    'nodes:opt-out',
    'alerts:manage',
    'views:save',
    'views:delete-any',
  ],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Unknown or missing roles get nothing (a user row edited by hand to "superuser" reads nothing). */
export function can(role: string | null | undefined, permission: Permission): boolean {
  return isRole(role) && GRANTS[role].includes(permission);
}

/** The highest of the roles an identity provider's groups map to; `fallback` when none match.
 * Only the mapping's own entries count: a group named "constructor" or "toString" is not mapped. */
export function roleFromGroups(
  groups: readonly string[],
  mapping: Readonly<Record<string, Role>>,
  fallback: Role | null,
): Role | null {
  let best: Role | null = null;
  for (const group of groups) {
    const role = Object.hasOwn(mapping, group) ? mapping[group] : undefined;
    if (isRole(role) && (best === null || ROLES.indexOf(role) > ROLES.indexOf(best))) best = role;
  }
  return best ?? fallback;
}
