// A list, as the real API server answers it: the label and field selectors applied, pages of
// `limit` with a `continue` token and remainingItemCount, the list's resourceVersion, items without
// kind or apiVersion; or, when kubectl asks for one, a Table (./table.ts).
import type http from 'node:http';

import { json } from './http-replies';
import { parseFieldSelector, parseLabelSelector } from './kube-object';
import type { ObjectStore } from './object-store';
import type { Target } from './request-target';
import { apiVersionOf } from './resources';
import { tableOf, wantsTable } from './table';

const keyOf = (object: { metadata: { namespace?: string; name: string } }) =>
  `${object.metadata.namespace ?? ''}/${object.metadata.name}`;

export function listReply(
  store: ObjectStore,
  target: Target,
  url: URL,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): void {
  const matchesLabels = parseLabelSelector(url.searchParams.get('labelSelector'));
  const matchesFields = parseFieldSelector(url.searchParams.get('fieldSelector'));
  const matching = store
    .list(target.definition.plural, target.namespace)
    .filter((object) => matchesLabels(object.metadata.labels ?? {}) && matchesFields(object));
  const limit = Number(url.searchParams.get('limit') ?? 0);
  const after = url.searchParams.get('continue');
  let start = 0;
  if (after) {
    const key = Buffer.from(after, 'base64url').toString('utf8');
    start = matching.findIndex((object) => keyOf(object) > key);
    if (start < 0) start = matching.length;
  }
  const page = limit > 0 ? matching.slice(start, start + limit) : matching.slice(start);
  const more = limit > 0 && start + limit < matching.length;
  const last = page[page.length - 1];
  const metadata = {
    resourceVersion: String(store.resourceVersion),
    ...(more && last
      ? {
          continue: Buffer.from(keyOf(last)).toString('base64url'),
          remainingItemCount: matching.length - start - limit,
        }
      : {}),
  };
  const table = wantsTable(request.headers.accept) ? tableOf(target.definition, page, metadata) : null;
  if (table) return json(response, 200, table);
  // Items of a typed list carry no kind or apiVersion, as the real server sends them.
  const items = page.map((object) => {
    const rest = { ...object };
    delete rest.apiVersion;
    delete rest.kind;
    return rest;
  });
  return json(response, 200, {
    kind: `${target.definition.kind}List`,
    apiVersion: apiVersionOf(target.definition),
    metadata,
    items,
  });
}
