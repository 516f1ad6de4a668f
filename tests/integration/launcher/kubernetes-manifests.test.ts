// deploy/kubernetes holds together with the image and the console: what a `kubectl apply -k` would
// only show in a cluster (a pod that never turns ready, a setting nobody reads, the owner's URL in
// the server's environment) fails here. The image itself is started in standalone-server.test.ts.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

import { loadAllYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

import { readDockerfile } from '../../support/dockerfile';

const root = process.cwd();
const folder = path.join(root, 'deploy', 'kubernetes');

interface EnvFrom {
  configMapRef?: { name: string };
  secretRef?: { name: string };
}
interface Container {
  name: string;
  command?: string[];
  ports?: { name: string; containerPort: number }[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: EnvFrom[];
  readinessProbe?: { httpGet: { path: string; port: string } };
  livenessProbe?: { httpGet: { path: string; port: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface KubeObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    strategy?: { type: string; rollingUpdate?: { maxUnavailable: number; maxSurge: number } };
    selector?: Record<string, unknown> & { matchLabels?: Record<string, string> };
    ports?: { targetPort: string }[];
    template?: {
      metadata: { labels: Record<string, string> };
      spec: {
        serviceAccountName: string;
        automountServiceAccountToken?: boolean;
        securityContext: { runAsNonRoot?: boolean; runAsUser?: number };
        initContainers: Container[];
        containers: Container[];
        volumes: { name: string; emptyDir?: object; projected?: { sources: { serviceAccountToken?: object }[] } }[];
      };
    };
  };
}

const read = (file: string) => loadAllYaml(readFileSync(path.join(folder, file), 'utf8')) as KubeObject[];
const kustomization = read('kustomization.yaml')[0] as unknown as { resources: string[] };
const applied = kustomization.resources.flatMap(read);
const secrets = read('secret.example.yaml');
const all = [...applied, ...secrets];
const one = (kind: string, name?: string) => all.find((o) => o.kind === kind && (!name || o.metadata.name === name))!;
const deployment = one('Deployment');
const pod = deployment.spec!.template!.spec;
const [server] = pod.containers;
const [prepare] = pod.initContainers;
const image = readDockerfile(path.join(root, 'Dockerfile'));

/** Every variable README's Configuration table names. */
function documentedSettings(): Set<string> {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('\n## Configuration'),
    readme.indexOf('\n## ', readme.indexOf('\n## Configuration') + 1),
  );
  const names = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => line.split('|')[1].match(/`[A-Z][A-Z0-9_]+`/g) ?? [])
    .map((name) => name.slice(1, -1));
  return new Set(names);
}

/** The settings a container is given, by where they come from. */
function settingsOf(container: Container): { names: string[]; sources: string[] } {
  const names = (container.env ?? []).map((variable) => variable.name);
  const sources: string[] = [];
  for (const from of container.envFrom ?? []) {
    const source = from.configMapRef ? one('ConfigMap', from.configMapRef.name) : one('Secret', from.secretRef!.name);
    sources.push(`${source.kind}/${source.metadata.name}`);
    names.push(...Object.keys(source.data ?? source.stringData ?? {}));
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref) sources.push(`Secret/${ref.name}`);
  }
  return { names, sources };
}

describe('deploy/kubernetes', () => {
  it('kustomization.yaml applies every manifest but the Secrets template', () => {
    const manifests = readdirSync(folder).filter((file) => file.endsWith('.yaml'));
    expect([...kustomization.resources].sort()).toEqual(
      manifests.filter((file) => !['kustomization.yaml', 'secret.example.yaml'].includes(file)).sort(),
    );
  });

  it("runs in NVSentinel's namespace as the service account rbac.yaml grants", () => {
    const account = one('ServiceAccount');
    expect(pod.serviceAccountName).toBe(account.metadata.name);
    for (const object of all.filter((o) => !o.kind.startsWith('Cluster')))
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(account.metadata.namespace);
  });

  it("probes the routes the console serves, on the image's port, and the Service reaches it", () => {
    expect(server.readinessProbe?.httpGet).toEqual({ path: '/api/ready', port: 'http' });
    expect(server.livenessProbe?.httpGet).toEqual({ path: '/api/health', port: 'http' });
    for (const route of ['ready', 'health'])
      expect(existsSync(path.join(root, 'app', 'api', route, 'route.ts'))).toBe(true);
    const port = server.ports!.find((p) => p.name === 'http')!.containerPort;
    expect(port).toBe(Number(image.env.PORT));
    expect(image.exposed).toContain(port);
    const labels = deployment.spec!.template!.metadata.labels;
    expect(labels).toMatchObject(deployment.spec!.selector!.matchLabels!);
    const service = one('Service');
    expect(labels).toMatchObject(service.spec!.selector as Record<string, string>);
    expect(service.spec!.ports!.map((p) => p.targetPort)).toEqual(['http']);
  });

  it("runs the image's two entries: its CMD as the server, the prepare step first", () => {
    expect(server.command).toBeUndefined();
    expect(image.cmd).toEqual(['node', 'console-server.mjs']);
    expect(prepare.command).toEqual(['node', 'console-prepare.mjs']);
  });

  it("gives only settings the console reads, and the tables' owner to the prepare step alone", () => {
    const documented = documentedSettings();
    for (const container of [prepare, server])
      for (const name of settingsOf(container).names)
        expect(documented.has(name), `${container.name}: ${name} is in README's Configuration table`).toBe(true);
    expect(settingsOf(prepare).names).toContain('CONSOLE_DATABASE_MIGRATION_URL');
    expect(settingsOf(server).names).not.toContain('CONSOLE_DATABASE_MIGRATION_URL');
    expect(settingsOf(server).names).not.toContain('CONSOLE_ADMIN_PASSWORD');
    expect(settingsOf(server).sources).not.toContain('Secret/sentinel-console-migration');
    expect(settingsOf(server).sources).toEqual(['ConfigMap/sentinel-console', 'Secret/sentinel-console']);
  });

  it("runs as the image's user, not root, on a read-only root with its writable folders mounted", () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(String(pod.securityContext.runAsUser)).toBe(image.user!.split(':')[0]);
    for (const container of [prepare, server]) {
      expect(container.securityContext, container.name).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(Object.keys(container.resources?.requests ?? {}).sort(), container.name).toEqual(['cpu', 'memory']);
      expect(Object.keys(container.resources?.limits ?? {}).sort(), container.name).toEqual(['cpu', 'memory']);
    }
    const emptyDirs = new Set(pod.volumes.filter((volume) => volume.emptyDir).map((volume) => volume.name));
    const writable = (server.volumeMounts ?? []).filter((mount) => emptyDirs.has(mount.name)).map((m) => m.mountPath);
    expect(writable.sort()).toEqual([path.posix.join(image.final.workdir, '.next', 'cache'), '/tmp'].sort());
  });

  it('gives the Kubernetes token to the server alone: the prepare step makes no API call', () => {
    expect(pod.automountServiceAccountToken).toBe(false);
    const tokenVolumes = new Set(
      pod.volumes
        .filter((volume) => volume.projected?.sources.some((source) => source.serviceAccountToken))
        .map((volume) => volume.name),
    );
    const tokenMounts = (container: Container) =>
      (container.volumeMounts ?? []).filter((mount) => tokenVolumes.has(mount.name)).map((mount) => mount.mountPath);
    // Where the official client's in-cluster loader reads it.
    expect(tokenMounts(server)).toEqual(['/var/run/secrets/kubernetes.io/serviceaccount']);
    expect(tokenMounts(prepare)).toEqual([]);
  });

  it('runs two replicas (one keeps the projection under the lease, the other follows) and rolls out without taking a ready pod away first', () => {
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    // A drain evicts one at a time: the pods the budget selects are the Deployment's.
    const budget = one('PodDisruptionBudget') as unknown as {
      spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    };
    expect(budget.spec.minAvailable).toBe(1);
    expect(budget.spec.selector.matchLabels).toEqual(deployment.spec?.selector?.matchLabels);
  });
});
