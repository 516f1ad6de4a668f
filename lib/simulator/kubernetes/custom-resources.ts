// Custom resources on the twin, as apiextensions-apiserver serves them: every served version of
// every CustomResourceDefinition in the store is a resource the API server routes, lists, watches
// and writes like a built-in one (resourceVersion from the same counter), and its discovery, from
// the moment the CRD is created; the CRD's status says it is established, as the apiextensions
// controllers write it (conditions NamesAccepted and Established, acceptedNames, storedVersions);
// deleting the CRD deletes its objects. With no CRD the twin serves no custom resource at all,
// as a cluster without NVSentinel's charts.
import type { KubeObject } from './kube-object';
import type { ObjectStore, ResourceKind } from './object-store';
import type { PrinterColumn, ResourceDefinition } from './resources';

export const CRDS: ResourceKind = {
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  group: 'apiextensions.k8s.io',
};

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  subresources?: { status?: unknown };
  additionalPrinterColumns?: PrinterColumn[];
}

interface CrdSpec {
  group: string;
  scope: 'Cluster' | 'Namespaced';
  names: { kind: string; plural: string; singular?: string; shortNames?: string[]; listKind?: string };
  versions: CrdVersion[];
}

/** The resources the CRDs define: one per served version. */
export function definitionsOf(crds: readonly KubeObject[]): ResourceDefinition[] {
  return crds.flatMap((crd) => {
    const spec = crd.spec as CrdSpec | undefined;
    if (!spec?.group || !spec.names?.plural || !Array.isArray(spec.versions)) return [];
    return spec.versions
      .filter((version) => version.served !== false)
      .map((version) => ({
        group: spec.group,
        version: version.name,
        plural: spec.names.plural,
        singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
        kind: spec.names.kind,
        namespaced: spec.scope === 'Namespaced',
        shortNames: spec.names.shortNames,
        status: version.subresources?.status !== undefined,
        printerColumns: version.additionalPrinterColumns ?? [],
      }));
  });
}

/** What the apiextensions controllers write in a CRD's status once its names are accepted. */
function establishedStatus(spec: CrdSpec) {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        lastTransitionTime: now,
        reason: 'NoConflicts',
        message: 'no conflicts found',
      },
      {
        type: 'Established',
        status: 'True',
        lastTransitionTime: now,
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
      },
    ],
    acceptedNames: { listKind: `${spec.names.kind}List`, ...spec.names },
    storedVersions: spec.versions.filter((version) => version.storage).map((version) => version.name),
  };
}

/** Establishes new CRDs and deletes the objects of deleted ones. */
export class CustomResourceController {
  private stop?: () => void;
  private closed = false;

  constructor(private readonly store: ObjectStore) {}

  start(): void {
    for (const crd of this.store.list(CRDS.plural)) this.establish(crd);
    this.stop = this.store.subscribe((change) => {
      if (change.resource !== CRDS.plural) return;
      // After every listener has had this change (see deployment-controller.ts).
      queueMicrotask(() => {
        if (this.closed) return;
        if (change.type === 'DELETED') this.deleteObjects(change.object);
        else this.establish(change.object);
      });
    });
  }

  close(): void {
    this.closed = true;
    this.stop?.();
  }

  private establish(crd: KubeObject): void {
    const spec = crd.spec as CrdSpec | undefined;
    const established = (crd.status as { conditions?: { type: string }[] } | undefined)?.conditions?.some(
      (condition) => condition.type === 'Established',
    );
    if (!spec?.names || established) return;
    try {
      const current = this.store.get(CRDS, crd.metadata.name);
      this.store.replace(CRDS, { ...current, status: establishedStatus(spec) });
    } catch {
      // Deleted meanwhile.
    }
  }

  private deleteObjects(crd: KubeObject): void {
    const spec = crd.spec as CrdSpec | undefined;
    if (!spec?.names?.plural) return;
    const kind = { plural: spec.names.plural, kind: spec.names.kind, group: spec.group };
    for (const object of this.store.list(kind.plural))
      this.store.delete(kind, object.metadata.name, object.metadata.namespace);
  }
}
