// The twin's Kubernetes API server: the REST protocol of the parts NVSentinel and the console use,
// over real HTTP on loopback, so the official client (and kubectl) talk to it like to any cluster.
//  - discovery (/version, /api, /apis, /api/v1, /apis/<group>/<version>);
//  - list with label/field selectors, limit and continue (./list-reply.ts); get; create; replace
//    (409 on a stale resourceVersion); merge, strategic-merge and JSON patch; delete; status
//    subresources; finalizers (./object-writes.ts); ?dryRun=All on every write (./dry-run.ts);
//  - the server's own metadata checks (names, label keys and values, annotation size): 422 Invalid
//    in its words (./object-validation.ts);
//  - watch with resourceVersion, bookmarks (allowWatchBookmarks), sendInitialEvents, timeoutSeconds,
//    and 410 Expired for a resourceVersion older than the kept history (./watch-stream.ts);
//  - CustomResourceDefinitions, and the custom resources each defines, like any other resource
//    and in discovery from the moment it is created (./custom-resources.ts);
//  - a bearer token, and a hook that forbids chosen verbs (to make RBAC refusals in tests).
//  - SelfSubjectAccessReview (JSON, or the protobuf kubectl sends), answered from that hook (./access-review.ts).
// Not here: admission, server-side apply, field managers, protobuf, the aggregated discovery form.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export type { ResourceDefinition } from './resources';
export type { Verb } from './request-target';

import { ACCESS_REVIEW_PATH, answerAccessReview } from './access-review';
import { CRDS, CustomResourceController, definitionsOf } from './custom-resources';
import { discovery } from './discovery';
import { isDryRun } from './dry-run';
import { json, readBody } from './http-replies';
import { ApiError, type KubeObject } from './kube-object';
import { listReply } from './list-reply';
import { ObjectStore } from './object-store';
import { ObjectWrites } from './object-writes';
import { routeOf, verbOf, type Verb } from './request-target';
import { CORE_RESOURCES, CRD_RESOURCE, storedKind, typedObject, type ResourceDefinition } from './resources';
import { servingCertificate } from './serving-certificate';
import { openWatch } from './watch-stream';

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

export async function startTwinApiServer(options: ApiServerOptions): Promise<TwinApiServer> {
  const resources = [...(options.resources ?? CORE_RESOURCES), CRD_RESOURCE];
  const store = new ObjectStore(options.historyLimit);
  const writes = new ObjectWrites(store);
  /** Open watches, each with the function that ends it. */
  const watches = new Map<http.ServerResponse, () => void>();
  // What is served: the built-in resources and those of the CRDs, read again after a CRD changes.
  let custom: ResourceDefinition[] | undefined;
  store.subscribe((change) => {
    if (change.resource === CRDS.plural) custom = undefined;
  });
  const served = () => [...resources, ...(custom ??= definitionsOf(store.list(CRDS.plural)))];
  const crdController = new CustomResourceController(store);
  crdController.start();

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
    const target = routeOf(url, served());
    if (target === 'discovery') {
      if (request.method !== 'GET')
        throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      return discovery(url, served(), response);
    }
    if (!target) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    if (target.subresource && !(target.subresource === 'status' && target.definition.status)) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const verb = verbOf(request, url, target);
    const { definition } = target;
    if (options.forbid?.(verb, definition.plural, target.name ?? selectedName(verb, url), target.namespace)) {
      const scope = target.namespace ? ` in the namespace "${target.namespace}"` : ' at the cluster scope';
      throw new ApiError(
        403,
        'Forbidden',
        `${definition.plural}${target.name ? ` "${target.name}"` : ''} is forbidden: User "sentinel-console" cannot ${verb} resource "${definition.plural}" in API group "${definition.group}"${scope}`,
        { name: target.name, kind: definition.plural, group: definition.group },
      );
    }
    await options.hold?.(verb, definition.plural, target.name, target.namespace);
    target.dryRun = isDryRun(url, verb);
    const reply = (code: number, object: KubeObject) => json(response, code, typedObject(definition, object));
    switch (verb) {
      case 'watch':
        return openWatch({ store, watches, bookmarkMs: options.bookmarkMs ?? 60_000 }, target, url, request, response);
      case 'list':
        return listReply(store, target, url, request, response);
      case 'get':
        return reply(200, store.get(storedKind(definition), target.name!, target.namespace));
      case 'create':
        return reply(201, writes.create(target, (await readBody(request)) as KubeObject));
      case 'update':
        return reply(200, writes.replace(target, (await readBody(request)) as KubeObject));
      case 'patch': {
        const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim();
        return reply(200, writes.patch(target, contentType, await readBody(request)));
      }
      case 'delete':
        return reply(200, writes.delete(target));
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
      const definition = served().find((candidate) => candidate.plural === plural);
      if (!definition) throw new Error(`the twin serves no resource named ${plural}`);
      return definition;
    },
    endWatches: () => {
      for (const finish of [...watches.values()]) finish();
    },
    close: async () => {
      crdController.close();
      for (const finish of [...watches.values()]) finish();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The name a list or watch asks for by its field selector (exactly `metadata.name=<name>`): the real
 * API server authorises such a request as one for that object, so a Role with resourceNames allows
 * it (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go, the metadata.name field selector).
 */
function selectedName(verb: Verb, url: URL): string | undefined {
  if (verb !== 'list' && verb !== 'watch') return undefined;
  const match = /^metadata\.name==?([^,]+)$/.exec(url.searchParams.get('fieldSelector') ?? '');
  return match?.[1];
}
