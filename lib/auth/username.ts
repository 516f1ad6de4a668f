// Local account names: what Better Auth accepts at sign-in and what the Users page creates.
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,63}$/;
export const USERNAME_RULE = 'username must be 2 to 64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit';
