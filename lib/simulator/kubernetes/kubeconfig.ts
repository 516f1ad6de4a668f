// A kubeconfig for the twin API server: one cluster, one user with the bearer token, one context,
// current. kubectl and the console read it like any other (KUBECONFIG=<file>).
import { writeFile } from 'node:fs/promises';

export const TWIN_CONTEXT = 'sentinel-twin';

export function twinKubeconfig(server: string, certificateAuthority: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${TWIN_CONTEXT}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${Buffer.from(certificateAuthority).toString('base64')}`,
    'users:',
    `- name: ${TWIN_CONTEXT}`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    `- name: ${TWIN_CONTEXT}`,
    '  context:',
    `    cluster: ${TWIN_CONTEXT}`,
    `    user: ${TWIN_CONTEXT}`,
    `current-context: ${TWIN_CONTEXT}`,
    '',
  ].join('\n');
}

/** Writes the twin's kubeconfig to `file` (mode 0600: it holds the token). */
export async function writeTwinKubeconfig(
  file: string,
  server: string,
  certificateAuthority: string,
  token: string,
): Promise<void> {
  await writeFile(file, twinKubeconfig(server, certificateAuthority, token), { mode: 0o600 });
}
