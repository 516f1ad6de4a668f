// A list, as the real API server answers it: the label and field selectors applied, pages of
// `limit` with a `continue` token and remainingItemCount, the list's resourceVersion, items without
// kind or apiVersion; or, when kubectl asks for one, a Table (./table.ts).
import type http from 'node:http';

import { json } from './http-replies';
import { parseFieldSelector, parseLabelSelector } from './kube-object';
import { keyOf, type ObjectStore } from './object-store';
import type { Target } from './request-target';
import { apiVersionOf } from './resources';
import { tableOf, wantsTable } from './table';

export function listReply(
  store: ObjectStore,
  target: Target,
  url: URL,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): void {
  const labelSelector = url.searchParams.get('labelSelector');
  const fieldSelector = url.searchParams.get('fieldSelector');
  const matchesLabels = parseLabelSelector(labelSelector);
  const matchesFields = parseFieldSelector(fieldSelector);
  const limit = Number(url.searchParams.get('limit') ?? 0);
  const token = url.searchParams.get('continue');
  // The token is the last key handed out; only the page asked for is copied out of the store.
  const {
    items: page,
    more,
    remaining,
  } = store.page(
    target.definition.plural,
    target.namespace,
    labelSelector || fieldSelector
      ? (object) => matchesLabels(object.metadata.labels ?? {}) && matchesFields(object)
      : undefined,
    token ? Buffer.from(token, 'base64url').toString('utf8') : null,
    limit > 0 ? limit : 0,
  );
  const last = page[page.length - 1];
  const metadata = {
    resourceVersion: String(store.resourceVersion),
    ...(limit > 0 && more && last
      ? {
          continue: Buffer.from(keyOf(last)).toString('base64url'),
          // As a real server: the count of what remains only for a list without a selector.
          ...(remaining !== null ? { remainingItemCount: remaining } : {}),
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
