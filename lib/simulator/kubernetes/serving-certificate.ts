// The twin API server serves HTTPS, as every API server does: kubectl and client-go send a bearer
// token only over TLS. A self-signed certificate for 127.0.0.1 and localhost, made at start; the
// kubeconfig carries it as the cluster's certificate authority.
import { generate } from 'selfsigned';

export interface ServingCertificate {
  cert: string;
  key: string;
}

export async function servingCertificate(): Promise<ServingCertificate> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: 'commonName', value: 'sentinel-twin-apiserver' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 365 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
