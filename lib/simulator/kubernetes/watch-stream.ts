// A watch, as the real API server streams it: from a resourceVersion (the kept history after it,
// or 410 Expired as an ERROR event when it is older than that), or the current state first as
// ADDED events (no resourceVersion, or sendInitialEvents with its closing bookmark); then every
// change, an object leaving the selector as DELETED and one entering it as ADDED; bookmarks when
// asked for; ended by timeoutSeconds, by endWatches or by the client.
import type http from 'node:http';

import type { ApiError, KubeObject } from './kube-object';
import type { ObjectStore, StoredChange } from './object-store';
import { parseFieldSelector, parseLabelSelector } from './kube-object';
import type { Target } from './request-target';
import { apiVersionOf, typedObject } from './resources';

export interface WatchContext {
  store: ObjectStore;
  /** Open watches, each with the function that ends it. */
  watches: Map<http.ServerResponse, () => void>;
  bookmarkMs: number;
}

export function openWatch(
  { store, watches, bookmarkMs }: WatchContext,
  target: Target,
  url: URL,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): void {
  const matchesLabels = parseLabelSelector(url.searchParams.get('labelSelector'));
  const matchesFields = parseFieldSelector(url.searchParams.get('fieldSelector'));
  const matches = (object: KubeObject) =>
    (!target.namespace || object.metadata.namespace === target.namespace) &&
    (!target.name || object.metadata.name === target.name) &&
    matchesLabels(object.metadata.labels ?? {}) &&
    matchesFields(object);
  const bookmarks = url.searchParams.get('allowWatchBookmarks') === 'true';
  const initialEvents = url.searchParams.get('sendInitialEvents') === 'true';
  const from = url.searchParams.get('resourceVersion');
  // A watch ended (its timeout, endWatches, close) takes no more writes: a write after the end would crash the process.
  const write = (type: string, object: KubeObject) => {
    if (!response.writableEnded && !response.destroyed) response.write(`${JSON.stringify({ type, object })}\n`);
  };
  let stop = () => {};
  const timers: { ticker?: NodeJS.Timeout; timeout?: NodeJS.Timeout } = {};
  /** Ends the watch once, whatever ends it: unsubscribed and its timers cleared before the response ends. */
  const finish = () => {
    stop();
    clearInterval(timers.ticker);
    clearTimeout(timers.timeout);
    watches.delete(response);
    if (!response.writableEnded) response.end();
  };
  response.on('error', finish);
  const bookmark = (annotations?: Record<string, string>) =>
    write('BOOKMARK', {
      kind: target.definition.kind,
      apiVersion: apiVersionOf(target.definition),
      metadata: { name: '', resourceVersion: String(store.resourceVersion), ...(annotations ? { annotations } : {}) },
    });

  response.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache',
  });
  // A watch with nothing to send yet must still answer: the client waits for the headers.
  response.flushHeaders();
  watches.set(response, finish);
  let backlog: StoredChange[] = [];
  if (!from || from === '0' || initialEvents) {
    // No resourceVersion: the current state first, as ADDED events, then what follows.
    for (const object of store.list(target.definition.plural, target.namespace))
      if (matches(object)) write('ADDED', typedObject(target.definition, object));
    if (initialEvents) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    try {
      backlog = store.changesSince(target.definition.plural, Number(from));
    } catch (error) {
      // An expired resourceVersion ends the watch with an ERROR event carrying the 410 Status.
      write('ERROR', (error as ApiError).status());
      finish();
      return;
    }
  }
  // As the real server: a modification that takes an object out of the watch's selector is DELETED
  // to this watch, one that brings it in is ADDED.
  const send = (change: StoredChange) => {
    const now = matches(change.object);
    const before = change.previous ? matches(change.previous) : now;
    if (change.type === 'MODIFIED' && before !== now)
      write(now ? 'ADDED' : 'DELETED', typedObject(target.definition, change.object));
    else if (now) write(change.type, typedObject(target.definition, change.object));
  };
  for (const change of backlog) send(change);
  stop = store.subscribe((change) => {
    if (change.resource === target.definition.plural) send(change);
  });
  timers.ticker = bookmarks ? setInterval(() => bookmark(), bookmarkMs) : undefined;
  const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? 0);
  timers.timeout = timeoutSeconds > 0 ? setTimeout(finish, timeoutSeconds * 1000) : undefined;
  response.on('close', finish);
  request.on('close', finish);
}
