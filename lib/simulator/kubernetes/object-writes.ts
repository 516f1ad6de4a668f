// The writes of the twin API server, with what the real one does around them:
//  - the metadata checks first (./object-validation.ts, 422 Invalid);
//  - a resource with a status subresource takes its status only through /status, and a write to
//    /status changes nothing else; on create such a status is dropped (the registry strategies'
//    PrepareForCreate: Deployments, custom resources), except for nodes, which kubelet creates with theirs;
//  - update and patch are optimistic (409 on a stale resourceVersion), a patch in one of the three
//    types client-go, kubectl and NVSentinel send;
//  - delete of an object with finalizers only marks it (deletionTimestamp) until a write takes the
//    last finalizer away, as the garbage collector's contract has it;
//  - a dry run (?dryRun=All, ./dry-run.ts) makes every check and keeps nothing.
import { ApiError, type KubeObject } from './kube-object';
import type { ObjectStore } from './object-store';
import { assertValidMetadata } from './object-validation';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';
import type { Target } from './request-target';
import { storedKind } from './resources';

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class ObjectWrites {
  constructor(private readonly store: ObjectStore) {}

  create(target: Target, body: KubeObject): KubeObject {
    assertValidMetadata(target.definition, body, true);
    const object: KubeObject = {
      ...body,
      metadata: { ...body.metadata, ...(target.namespace ? { namespace: target.namespace } : {}) },
    };
    if (target.definition.status && !target.definition.keepsStatusOnCreate) delete object.status;
    return this.store.create(storedKind(target.definition), object, target.dryRun);
  }

  replace(target: Target, body: KubeObject): KubeObject {
    if (body?.metadata?.name !== target.name)
      throw new ApiError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
    const current = this.store.get(storedKind(target.definition), target.name!, target.namespace);
    return this.write(target, current, body, body.metadata.resourceVersion);
  }

  patch(target: Target, contentType: string, body: unknown): KubeObject {
    const current = this.store.get(storedKind(target.definition), target.name!, target.namespace);
    let patched: KubeObject;
    if (contentType === 'application/merge-patch+json') patched = mergePatch(current, body) as KubeObject;
    else if (contentType === 'application/strategic-merge-patch+json')
      patched = strategicMergePatch(current, body) as KubeObject;
    else if (contentType === 'application/json-patch+json') patched = jsonPatch(current, body) as KubeObject;
    else
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
      );
    if (patched.metadata?.name !== current.metadata.name)
      throw new ApiError(422, 'Invalid', 'metadata.name: a patch may not change the name');
    // A resourceVersion in the patch is a precondition (kubectl and client-go send one to be safe).
    return this.write(target, current, patched, patched.metadata.resourceVersion);
  }

  delete(target: Target): KubeObject {
    const kind = storedKind(target.definition);
    const current = this.store.get(kind, target.name!, target.namespace);
    if (!current.metadata.finalizers?.length)
      return this.store.delete(kind, target.name!, target.namespace, target.dryRun);
    if (current.metadata.deletionTimestamp) return current;
    return this.store.replace(
      kind,
      { ...current, metadata: { ...current.metadata, deletionTimestamp: now() } },
      undefined,
      target.dryRun,
    );
  }

  private write(target: Target, current: KubeObject, body: KubeObject, expected: string | undefined): KubeObject {
    const { definition } = target;
    let next: KubeObject;
    if (target.subresource === 'status') next = { ...current, status: body.status };
    else {
      assertValidMetadata(definition, body, false);
      next = definition.status ? { ...body, status: current.status } : body;
      // Set by the server alone: a client can neither set nor clear it.
      const deletionTimestamp = current.metadata.deletionTimestamp;
      next = { ...next, metadata: { ...next.metadata, deletionTimestamp } };
      if (!deletionTimestamp) delete next.metadata.deletionTimestamp;
    }
    const kind = storedKind(definition);
    const written = this.store.replace(
      kind,
      { ...next, metadata: { ...next.metadata, namespace: target.namespace } },
      expected,
      target.dryRun,
    );
    // Marked for deletion and its last finalizer gone: now it goes.
    if (written.metadata.deletionTimestamp && !written.metadata.finalizers?.length)
      return this.store.delete(kind, target.name!, target.namespace, target.dryRun);
    return written;
  }
}
