// The key that signs session cookies. BETTER_AUTH_SECRET when set (several replicas must share
// it); otherwise one generated at first start and kept in console_settings, so sessions survive a
// restart of the embedded default without anyone handling a secret.
import { randomBytes } from 'node:crypto';

import type pg from 'pg';

const KEY = 'auth_secret';

export async function consoleSecret(pool: pg.Pool, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const generated = randomBytes(32).toString('base64url');
  // First writer wins when two processes start together.
  await pool.query('INSERT INTO console_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
    KEY,
    generated,
  ]);
  const { rows } = await pool.query<{ value: string }>('SELECT value FROM console_settings WHERE key = $1', [KEY]);
  return rows[0].value;
}
