// Local account names: what Better Auth accepts at sign-in and what the Users page creates.
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,63}$/;
export const USERNAME_RULE =
  'username must be 2 to 64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit';

/** Names no account may take: the audit log records callers who are not signed in as "anonymous". */
export const RESERVED_USERNAMES: readonly string[] = ['anonymous'];
export const isReservedUsername = (name: string) => RESERVED_USERNAMES.includes(name.toLowerCase());
export const reservedUsernameRule = (name: string) =>
  `username "${name}" is reserved: the audit log records callers who are not signed in as "anonymous"`;
