// A password's length limits, apart from password-policy.ts so that reading them loads no file.
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;
