// API discovery, the legacy form (kubectl falls back to it from the aggregated one): which API
// versions and groups exist and which resources and verbs each serves, for kubectl's resource names
// and short names (`kubectl get no`, `kubectl cordon`).
import type http from 'node:http';

import { json } from './http-replies';
import { ApiError } from './kube-object';
import type { ResourceDefinition } from './resources';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export function discovery(url: URL, resources: ResourceDefinition[], response: http.ServerResponse): void {
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts[0] === 'api' && parts.length === 1) {
    return json(response, 200, {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: url.host }],
    });
  }
  if (parts[0] === 'apis' && parts.length === 1) {
    const groups = [
      ...new Set(
        resources
          .filter((definition) => definition.group)
          .map((definition) => `${definition.group}/${definition.version}`),
      ),
    ];
    return json(response, 200, {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((groupVersion) => {
        const [name, version] = groupVersion.split('/');
        return { name, versions: [{ groupVersion, version }], preferredVersion: { groupVersion, version } };
      }),
    });
  }
  const [group, version] = parts[0] === 'api' ? ['', parts[1]] : [parts[1], parts[2]];
  const served = resources.filter((definition) => definition.group === group && definition.version === version);
  if (served.length === 0) throw new ApiError(404, 'NotFound', `the server could not find the requested resource`);
  return json(response, 200, {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: served.flatMap((definition) => [
      {
        name: definition.plural,
        singularName: definition.singular,
        namespaced: definition.namespaced,
        kind: definition.kind,
        verbs: VERBS,
        shortNames: definition.shortNames,
      },
      ...(definition.status
        ? [
            {
              name: `${definition.plural}/status`,
              singularName: '',
              namespaced: definition.namespaced,
              kind: definition.kind,
              verbs: ['get', 'patch', 'update'],
            },
          ]
        : []),
    ]),
  });
}
