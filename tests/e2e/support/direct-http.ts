// Direct HTTP to the app under test, the way a script or an attacker would call it: with or
// without a session cookie, with any Origin, and to server actions by their id.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { baseURL, e2eDataDir } from '../../../playwright.config';
import { storageStateOf } from './accounts';
import { E2E_PG_PORT } from './test-ports';

/** The Cookie header of a saved signed-in state ('' for anonymous). */
export async function cookieOf(username: string | null): Promise<string> {
  if (!username) return '';
  const state = JSON.parse(await readFile(storageStateOf(username), 'utf8')) as {
    cookies: { name: string; value: string }[];
  };
  return state.cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
}

export interface Sent {
  status: number;
  body: string;
  /** The server's id of this request (X-Request-Id): its audit row's request id. */
  requestId: string;
}

/** One request; a streaming response (SSE) is cut after its headers. */
export async function send(
  method: 'GET' | 'POST',
  route: string,
  options: { cookie?: string; origin?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Sent> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin) headers.origin = options.origin;
  if (options.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const abort = new AbortController();
  const response = await fetch(`${baseURL}${route}`, {
    method,
    headers,
    body: options.body,
    redirect: 'manual',
    signal: abort.signal,
  });
  const requestId = response.headers.get('x-request-id') ?? '';
  if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    abort.abort();
    return { status: response.status, body: '', requestId };
  }
  return { status: response.status, body: await response.text(), requestId };
}

/** The ids of the app's server actions by exported name, from the production build's manifest. */
export async function serverActionIds(): Promise<Record<string, string>> {
  const manifest = JSON.parse(
    await readFile(path.join('.next', 'server', 'server-reference-manifest.json'), 'utf8'),
  ) as { node: Record<string, { exportedName: string }> };
  return Object.fromEntries(Object.entries(manifest.node).map(([id, entry]) => [entry.exportedName, id]));
}

/** Calls a server action as the browser does (POST with Next-Action); returns its result object. */
export async function callServerAction(
  actionId: string,
  input: unknown,
  options: { cookie?: string; origin?: string; page?: string; body?: string },
): Promise<{ status: number; result: unknown; body: string; requestId: string }> {
  const sent = await send('POST', options.page ?? '/', {
    ...options,
    // `body` sends exactly that text instead of the encoded input (a cut-off or oversized body).
    body: options.body ?? JSON.stringify([input]),
    headers: { 'next-action': actionId, 'content-type': 'text/plain;charset=UTF-8', accept: 'text/x-component' },
  });
  // The flight response: row 0 names the row holding the action's return value ("a":"$@<row>").
  const rows = new Map(
    sent.body
      .split('\n')
      .filter((row) => /^[0-9a-f]+:/.test(row))
      .map((row) => [row.slice(0, row.indexOf(':')), row.slice(row.indexOf(':') + 1)]),
  );
  const head = rows.get('0');
  const ref = head?.startsWith('{') ? (JSON.parse(head) as { a?: string }).a : undefined;
  const value = ref?.startsWith('$@') ? rows.get(ref.slice(2)) : undefined;
  return {
    status: sent.status,
    result: value?.startsWith('{') ? JSON.parse(value) : undefined,
    body: sent.body,
    requestId: sent.requestId,
  };
}

/** The embedded PostgreSQL of the app under test (for writing untrusted events as NVSentinel would). */
export async function e2eDatabaseUrl(): Promise<string> {
  const { user, password } = JSON.parse(await readFile(path.join(e2eDataDir, 'credentials.json'), 'utf8')) as {
    user: string;
    password: string;
  };
  return `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${E2E_PG_PORT}/nvsentinel`;
}
