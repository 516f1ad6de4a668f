// What a request to the twin API server is about: the resource (by group, version and plural),
// namespace, name and subresource its path names, and the verb its method and query make of it
// (get, list and watch are all GET), as the real server's request info does.
import type http from 'node:http';

import { ApiError } from './kube-object';
import type { ResourceDefinition } from './resources';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface Target {
  definition: ResourceDefinition;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** A write asked with ?dryRun=All: answered, nothing kept (./dry-run.ts). */
  dryRun?: boolean;
}

/** The resource a path names among those served, 'discovery' for a discovery path, undefined for neither. */
export function routeOf(url: URL, served: readonly ResourceDefinition[]): Target | 'discovery' | undefined {
  const parts = url.pathname.split('/').filter(Boolean);
  let group = '';
  let version: string | undefined;
  let rest: string[];
  if (parts[0] === 'api') {
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else return undefined;
  if (!version || rest.length === 0) return 'discovery';
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const definition = served.find(
    (candidate) => candidate.group === group && candidate.version === version && candidate.plural === rest[0],
  );
  if (!definition) return undefined;
  if (namespace && !definition.namespaced) return undefined;
  return { definition, namespace, name: rest[1], subresource: rest[2] };
}

const WRITES: Record<string, Verb> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export function verbOf(request: http.IncomingMessage, url: URL, target: Target): Verb {
  if (request.method === 'GET') {
    const watch = url.searchParams.get('watch');
    if (watch === 'true' || watch === '1') return 'watch';
    return target.name ? 'get' : 'list';
  }
  const verb = WRITES[request.method ?? ''];
  if (!verb)
    throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  return verb;
}
