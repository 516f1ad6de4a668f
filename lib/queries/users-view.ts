// What the Users page's browser side receives: one row per console user.
export interface UserRow {
  id: string;
  username: string | null;
  name: string;
  email: string;
  role: string | null;
  disabled: boolean;
  disabledReason: string | null;
  signInMethods: string[];
  createdAt: string;
  lastSeenAt: string | null;
}
