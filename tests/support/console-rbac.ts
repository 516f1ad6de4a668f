// The verbs deploy/kubernetes/rbac.yaml grants the console (exactly the ones it uses: the file says
// so, and tests/integration/app/cluster-rbac.test.ts shows none is spare), read from the file
// itself, so the real-cluster suite asks about the same verbs the file grants, and the twin can be
// made to allow only them.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { loadAllYaml } from '@kubernetes/client-node';

export interface ConsoleGrant {
  verb: string;
  /** The API group ('' for the core group). */
  group: string;
  resource: string;
  /** The namespace of a Role's grant (NVSentinel's, `nvsentinel` in the file); undefined for a ClusterRole's. */
  namespace?: string;
  /** The one object a rule with resourceNames grants it on (a review must name it to be allowed). */
  name?: string;
}

interface RbacObject {
  kind: string;
  metadata: { namespace?: string };
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
}

export function consoleGrants(file = path.join(process.cwd(), 'deploy', 'kubernetes', 'rbac.yaml')): ConsoleGrant[] {
  const objects = loadAllYaml(readFileSync(file, 'utf8')) as RbacObject[];
  return objects
    .filter((object) => object.kind === 'ClusterRole' || object.kind === 'Role')
    .flatMap((object) =>
      (object.rules ?? []).flatMap((rule) =>
        rule.apiGroups.flatMap((group) =>
          rule.resources.flatMap((resource) =>
            rule.verbs.flatMap((verb) =>
              (rule.resourceNames ?? [undefined]).map((name) => ({
                verb,
                group,
                resource,
                namespace: object.kind === 'Role' ? object.metadata.namespace : undefined,
                ...(name ? { name } : {}),
              })),
            ),
          ),
        ),
      ),
    );
}

/** A grant in words: "watch configmaps/circuit-breaker in nvsentinel", "update nodes". */
export const grantName = (grant: Pick<ConsoleGrant, 'verb' | 'resource' | 'namespace' | 'name'>) =>
  `${grant.verb} ${grant.resource}${grant.name ? `/${grant.name}` : ''}${grant.namespace ? ` in ${grant.namespace}` : ''}`;

/**
 * The twin's `forbid` hook for an API server that allows the console's grants and nothing else
 * (less those named in `withheld`, e.g. "update nodes"), as the cluster would with rbac.yaml applied
 * to the account it runs as. A grant by name allows a request naming that object; a list or watch
 * names none in its path (the informer names the ConfigMap by field selector, which a real server
 * authorises as that name, and the hook cannot see), so those are allowed by the grant's verb.
 */
export function forbidAllButConsoleGrants(grants: ConsoleGrant[], withheld: readonly string[] = []) {
  return (verb: string, resource: string, name?: string, namespace?: string): boolean =>
    withheld.includes(`${verb} ${resource}`) ||
    !grants.some(
      (grant) =>
        grant.verb === verb &&
        grant.resource === resource &&
        (grant.namespace === undefined || grant.namespace === namespace) &&
        (grant.name === undefined || grant.name === name || (name === undefined && ['list', 'watch'].includes(verb))),
    );
}
