// What proxy.ts checks about a server-action request before Next.js decodes it. Next answers a
// body over its size limit, a body that is not the JSON it expects, or an action id on a page
// that does not use it with a 500 or a 200 of its own, and none of those reach the mutation
// runner, so none left an audit row. Each is refused here with a 4xx naming what is wrong.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { nestsDeeperThan } from './json-depth';

/** Same as next.config.ts's serverActions.bodySizeLimit. */
export const SERVER_ACTION_MAX_BYTES = 2 * 1024 * 1024;
/** No action takes arguments nested deeper than this. */
export const SERVER_ACTION_MAX_DEPTH = 32;

export interface ServerAction {
  name: string;
  /** The pages that use it, as paths with their dynamic segments, e.g. /nodes/[name]. */
  pages: string[];
  patterns: RegExp[];
}

export type ServerActions = ReadonlyMap<string, ServerAction>;

/** The URL paths an app route's page answers: route groups dropped, dynamic segments as wildcards. */
export function pagePattern(route: string): RegExp {
  const segments = route.split('/').filter((segment) => segment && !/^\(.*\)$/.test(segment));
  const parts = segments.map((segment) => {
    if (/^\[\[\.\.\..+\]\]$/.test(segment)) return '(?:/[^/]+)*';
    if (/^\[\.\.\..+\]$/.test(segment)) return '(?:/[^/]+)+';
    if (/^\[.+\]$/.test(segment)) return '/[^/]+';
    return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
  });
  return new RegExp(`^${parts.join('') || '/'}/?$`);
}

/** The actions of a production build (.next/server/server-reference-manifest.json), by id. */
export function serverActionsFromManifest(manifest: {
  node?: Record<string, { exportedName?: string; workers?: Record<string, unknown> }>;
}): ServerActions {
  const actions = new Map<string, ServerAction>();
  for (const [id, entry] of Object.entries(manifest.node ?? {})) {
    const routes = Object.keys(entry.workers ?? {})
      .filter((worker) => worker.startsWith('app/') && worker.endsWith('/page'))
      .map((worker) => worker.slice('app'.length, -'/page'.length) || '/');
    // Shown as the paths people know: /nodes/[name], not /(console)/nodes/[name].
    const pages = routes.map(
      (route) =>
        route
          .split('/')
          .filter((segment) => !/^\(.*\)$/.test(segment))
          .join('/') || '/',
    );
    actions.set(id, { name: entry.exportedName ?? 'unnamed', pages, patterns: routes.map(pagePattern) });
  }
  return actions;
}

/**
 * This build's actions, or null outside production: `next dev` builds into .next/dev with ids of
 * its own, so a production build's manifest left in the checkout would refuse every dev action.
 */
export function loadServerActions(
  root = process.cwd(),
  production = process.env.NODE_ENV === 'production',
): ServerActions | null {
  if (!production) return null;
  try {
    return serverActionsFromManifest(
      JSON.parse(readFileSync(path.join(root, '.next', 'server', 'server-reference-manifest.json'), 'utf8')),
    );
  } catch {
    return null;
  }
}

export type ActionVerdict =
  { ok: true; name: string } | { ok: false; status: 400 | 404 | 413; error: string; name: string | null };

/** The action named by a Next-Action header, posted to `pathname` with a body of `bytes` (when known). */
export function judgeServerAction(
  actions: ServerActions | null,
  id: string,
  pathname: string,
  bytes: number | null,
): ActionVerdict {
  const action = actions?.get(id);
  if (actions && !action)
    return {
      ok: false,
      status: 404,
      error: `no server action has the id ${JSON.stringify(id.slice(0, 60))}`,
      name: null,
    };
  const name = action?.name ?? 'unknown';
  if (bytes !== null && bytes > SERVER_ACTION_MAX_BYTES)
    return {
      ok: false,
      status: 413,
      error: `the request body is ${bytes} bytes; a change takes at most ${SERVER_ACTION_MAX_BYTES}`,
      name,
    };
  if (action && !action.patterns.some((pattern) => pattern.test(pathname))) {
    return {
      ok: false,
      status: 400,
      error: `${name} is not an action of the page ${pathname.slice(0, 200)} (it belongs to ${action.pages.join(', ') || 'no page'})`,
      name,
    };
  }
  return { ok: true, name };
}

const FORM_TYPES = /^\s*(multipart\/form-data|application\/x-www-form-urlencoded)/i;

/**
 * A POST that Next would take for a server action without our checks, or a server action not sent
 * as the console's pages send them, or null. Next also runs actions from a plain form post to a
 * page (no Next-Action header; the action id in a `$ACTION_ID_…` field) and decodes a Next-Action
 * body as multipart whenever its Content-Type starts with "multipart/form-data" (in that case):
 * the console's pages send neither (their arguments go as JSON text), so both are refused, and
 * the checks of the body above cannot be walked around.
 */
export function actionRequestProblem(
  pathname: string,
  contentType: string | null,
  actionId: string | null,
): { status: 415; error: string } | null {
  const type = contentType ?? '';
  if (actionId === null) {
    if (!pathname.startsWith('/api/') && FORM_TYPES.test(type))
      return {
        status: 415,
        error: `a form post to the page ${pathname.slice(0, 200)} is not accepted (changes are sent as JSON)`,
      };
    return null;
  }
  if (!/^text\/plain\s*(;|$)/i.test(type))
    return {
      status: 415,
      error: `a server action is sent as text/plain JSON, not ${type ? JSON.stringify(type.slice(0, 100)) : 'without a Content-Type'}`,
    };
  return null;
}

/** What is wrong with a server action's body, or null: the console's pages send their arguments as JSON text. */
export function actionBodyProblem(
  contentType: string | null,
  body: string,
): { status: 400 | 413; error: string } | null {
  if (Buffer.byteLength(body) > SERVER_ACTION_MAX_BYTES)
    return { status: 413, error: `the request body is over ${SERVER_ACTION_MAX_BYTES} bytes` };
  if (FORM_TYPES.test(contentType ?? ''))
    return { status: 400, error: 'the request body is a form, not the JSON a change takes' };
  if (nestsDeeperThan(body, SERVER_ACTION_MAX_DEPTH))
    return { status: 400, error: `the request body nests more than ${SERVER_ACTION_MAX_DEPTH} levels deep` };
  try {
    JSON.parse(body);
    return null;
  } catch {
    return { status: 400, error: 'the request body is not complete JSON (cut off, or not JSON at all)' };
  }
}
