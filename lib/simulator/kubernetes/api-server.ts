// The twin's Kubernetes API server: the REST protocol of the parts NVSentinel and the console use,
// over real HTTP on loopback, so the official client (and kubectl) talk to it like to any cluster.
//  - discovery (/version, /api, /apis, /api/v1, /apis/<group>/<version>);
//  - list with label/field selectors, limit and continue; get; create; replace (409 on a stale
//    resourceVersion); merge, strategic-merge and JSON patch; delete; the nodes/status subresource;
//  - the server's own metadata checks (names, label keys and values, annotation size): 422 Invalid
//    in its words (./object-validation.ts);
//  - watch with resourceVersion, bookmarks (allowWatchBookmarks), sendInitialEvents, timeoutSeconds,
//    and 410 Expired for a resourceVersion older than the kept history (the client lists again);
//  - a bearer token, and a hook that forbids chosen verbs (to make RBAC refusals in tests).
//  - SelfSubjectAccessReview (JSON, or the protobuf kubectl sends), answered from that hook (./access-review.ts).
// Not here: admission, server-side apply, field managers, protobuf, the aggregated discovery form.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export type { ResourceDefinition } from './resources';

import { ACCESS_REVIEW_PATH, answerAccessReview } from './access-review';
import { discovery } from './discovery';
import { json, readBody } from './http-replies';
import { ApiError, parseFieldSelector, parseLabelSelector, type KubeObject } from './kube-object';
import { ObjectStore, type StoredChange } from './object-store';
import { assertValidMetadata } from './object-validation';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';
import { apiVersionOf, CORE_RESOURCES, type ResourceDefinition } from './resources';
import { servingCertificate } from './serving-certificate';
import { nodeTable, wantsTable } from './table';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface ApiServerOptions {
  token: string;
  resources?: ResourceDefinition[];
  /** Answers 403 for a request this returns true for (RBAC the console lacks, in tests). */
  forbid?: (verb: Verb, resource: string, name?: string, namespace?: string) => boolean;
  /** Keeps a request waiting until the promise it returns settles: a write held in flight (tests of races). */
  hold?: (verb: Verb, resource: string, name?: string, namespace?: string) => Promise<void> | undefined;
  /** How often a watch that asked for bookmarks gets one (a real server: about a minute). */
  bookmarkMs?: number;
  /** Changes kept for watches to resume from; older resourceVersions answer 410. */
  historyLimit?: number;
}

export interface TwinApiServer {
  url: string;
  /** The serving certificate (PEM), the cluster's certificate authority in a kubeconfig. */
  certificateAuthority: string;
  store: ObjectStore;
  resource(plural: string): ResourceDefinition;
  /** Ends every open watch, as an API server restart or a load balancer's idle timeout does; clients watch again. */
  endWatches(): void;
  close(): Promise<void>;
}

interface Target {
  definition: ResourceDefinition;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export async function startTwinApiServer(options: ApiServerOptions): Promise<TwinApiServer> {
  const resources = options.resources ?? CORE_RESOURCES;
  const store = new ObjectStore(options.historyLimit);
  /** Open watches, each with the function that ends it. */
  const watches = new Map<http.ServerResponse, () => void>();
  const kindOf = (definition: ResourceDefinition) => ({
    plural: definition.plural,
    kind: definition.kind,
    group: definition.group,
  });
  const typed = (definition: ResourceDefinition, object: KubeObject): KubeObject => ({
    apiVersion: apiVersionOf(definition),
    kind: definition.kind,
    ...object,
  });

  function route(url: URL): Target | 'discovery' | undefined {
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
    const definition = resources.find(
      (candidate) => candidate.group === group && candidate.version === version && candidate.plural === rest[0],
    );
    if (!definition) return undefined;
    if (namespace && !definition.namespaced) return undefined;
    return { definition, namespace, name: rest[1], subresource: rest[2] };
  }

  function list(target: Target, url: URL, request: http.IncomingMessage, response: http.ServerResponse): void {
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
      start = matching.findIndex((object) => `${object.metadata.namespace ?? ''}/${object.metadata.name}` > key);
      if (start < 0) start = matching.length;
    }
    const page = limit > 0 ? matching.slice(start, start + limit) : matching.slice(start);
    const more = limit > 0 && start + limit < matching.length;
    const last = page[page.length - 1];
    const metadata = {
      resourceVersion: String(store.resourceVersion),
      ...(more && last
        ? {
            continue: Buffer.from(`${last.metadata.namespace ?? ''}/${last.metadata.name}`).toString('base64url'),
            remainingItemCount: matching.length - start - limit,
          }
        : {}),
    };
    if (target.definition.kind === 'Node' && wantsTable(request.headers.accept))
      return json(response, 200, nodeTable(page, metadata));
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

  function watch(target: Target, url: URL, request: http.IncomingMessage, response: http.ServerResponse): void {
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
        if (matches(object)) write('ADDED', typed(target.definition, object));
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
        write(now ? 'ADDED' : 'DELETED', typed(target.definition, change.object));
      else if (now) write(change.type, typed(target.definition, change.object));
    };
    for (const change of backlog) send(change);
    stop = store.subscribe((change) => {
      if (change.resource === target.definition.plural) send(change);
    });
    timers.ticker = bookmarks ? setInterval(() => bookmark(), options.bookmarkMs ?? 60_000) : undefined;
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    timers.timeout = timeoutSeconds > 0 ? setTimeout(finish, timeoutSeconds * 1000) : undefined;
    response.on('close', finish);
    request.on('close', finish);
  }

  async function patch(target: Target, request: http.IncomingMessage): Promise<KubeObject> {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim();
    const body = await readBody(request);
    const kind = kindOf(target.definition);
    const current = store.get(kind, target.name!, target.namespace);
    let next: unknown;
    if (contentType === 'application/merge-patch+json') next = mergePatch(current, body);
    else if (contentType === 'application/strategic-merge-patch+json') next = strategicMergePatch(current, body);
    else if (contentType === 'application/json-patch+json') next = jsonPatch(current, body);
    else
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
      );
    const patched = next as KubeObject;
    if (patched.metadata?.name !== current.metadata.name)
      throw new ApiError(422, 'Invalid', 'metadata.name: a patch may not change the name');
    assertValidMetadata(target.definition, patched, false);
    // A resourceVersion in the patch is a precondition (kubectl and client-go send one to be safe).
    const expected =
      patched.metadata.resourceVersion !== current.metadata.resourceVersion
        ? patched.metadata.resourceVersion
        : current.metadata.resourceVersion;
    if (target.subresource === 'status') return store.replace(kind, { ...current, status: patched.status }, expected);
    return store.replace(kind, target.definition.status ? { ...patched, status: current.status } : patched, expected);
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://twin');
    if (request.headers.authorization !== `Bearer ${options.token}`)
      throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    if (url.pathname === '/version') {
      return json(response, 200, {
        major: '1',
        minor: '32',
        gitVersion: 'v1.32.0-sentinel-twin',
        platform: 'linux/amd64',
      });
    }
    if (url.pathname === '/healthz' || url.pathname === '/readyz') {
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    if (url.pathname === ACCESS_REVIEW_PATH)
      return answerAccessReview(request, response, (verb, ...rest) => options.forbid?.(verb as Verb, ...rest) ?? false);
    const target = route(url);
    if (target === 'discovery') {
      if (request.method !== 'GET')
        throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      return discovery(url, resources, response);
    }
    if (!target) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    if (target.subresource && !(target.subresource === 'status' && target.definition.status)) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const isWatch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const verb: Verb =
      request.method === 'GET'
        ? isWatch
          ? 'watch'
          : target.name
            ? 'get'
            : 'list'
        : request.method === 'POST'
          ? 'create'
          : request.method === 'PUT'
            ? 'update'
            : request.method === 'PATCH'
              ? 'patch'
              : request.method === 'DELETE'
                ? 'delete'
                : (() => {
                    throw new ApiError(
                      405,
                      'MethodNotAllowed',
                      'the server does not allow this method on the requested resource',
                    );
                  })();
    if (options.forbid?.(verb, target.definition.plural, target.name, target.namespace)) {
      const scope = target.namespace ? ` in the namespace "${target.namespace}"` : ' at the cluster scope';
      throw new ApiError(
        403,
        'Forbidden',
        `${target.definition.plural}${target.name ? ` "${target.name}"` : ''} is forbidden: User "sentinel-console" cannot ${verb} resource "${target.definition.plural}" in API group "${target.definition.group}"${scope}`,
        { name: target.name, kind: target.definition.plural, group: target.definition.group },
      );
    }
    await options.hold?.(verb, target.definition.plural, target.name, target.namespace);
    const kind = kindOf(target.definition);
    switch (verb) {
      case 'watch':
        return watch(target, url, request, response);
      case 'list':
        return list(target, url, request, response);
      case 'get':
        return json(response, 200, typed(target.definition, store.get(kind, target.name!, target.namespace)));
      case 'create': {
        const body = (await readBody(request)) as KubeObject;
        assertValidMetadata(target.definition, body, true);
        const created = store.create(kind, {
          ...body,
          metadata: { ...body.metadata, ...(target.namespace ? { namespace: target.namespace } : {}) },
        });
        return json(response, 201, typed(target.definition, created));
      }
      case 'update': {
        const body = (await readBody(request)) as KubeObject;
        if (body?.metadata?.name !== target.name)
          throw new ApiError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
        const current = store.get(kind, target.name!, target.namespace);
        assertValidMetadata(target.definition, body, false);
        const next =
          target.subresource === 'status'
            ? { ...current, status: body.status }
            : target.definition.status
              ? { ...body, status: current.status }
              : body;
        return json(
          response,
          200,
          typed(
            target.definition,
            store.replace(
              kind,
              { ...next, metadata: { ...next.metadata, namespace: target.namespace } },
              body.metadata.resourceVersion,
            ),
          ),
        );
      }
      case 'patch':
        return json(response, 200, typed(target.definition, await patch(target, request)));
      case 'delete':
        return json(response, 200, typed(target.definition, store.delete(kind, target.name!, target.namespace)));
    }
  }

  const certificate = await servingCertificate();
  const server = https.createServer({ cert: certificate.cert, key: certificate.key }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      const apiError = error instanceof ApiError ? error : new ApiError(500, 'InternalError', (error as Error).message);
      if (!response.headersSent) json(response, apiError.code, apiError.status());
      else response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    certificateAuthority: certificate.cert,
    store,
    resource: (plural) => {
      const definition = resources.find((candidate) => candidate.plural === plural);
      if (!definition) throw new Error(`the twin serves no resource named ${plural}`);
      return definition;
    },
    endWatches: () => {
      for (const finish of [...watches.values()]) finish();
    },
    close: async () => {
      for (const finish of [...watches.values()]) finish();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
