// MongoClient options from a MongoConfig: timeouts that fail fast with a clear message, and TLS
// with client certificates the way NVSentinel mounts them (MONGODB_CLIENT_CERT_MOUNT_PATH holding
// ca.crt, tls.crt, tls.key). As in NVSentinel: a CA alone gives server-verified TLS; CA plus
// client certificate and key gives mutual TLS and, unless the URI names other credentials, X.509
// authentication against $external. A file that is missing or not PEM is named in the error.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import type { MongoClientOptions } from 'mongodb';

import type { MongoConfig } from '../../config/datastore-config';
import { StoreError } from '../../errors/store-error';

export type TlsMode = 'from-uri' | 'ca-only' | 'mutual';

export interface ClientCertFiles {
  ca: string;
  cert: string;
  key: string;
}

export function clientCertFiles(dir: string): ClientCertFiles {
  return { ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'tls.crt'), key: path.join(dir, 'tls.key') };
}

function readPem(file: string, what: string, marker: RegExp): string {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new StoreError(
      'config',
      `MONGODB_CLIENT_CERT_MOUNT_PATH: cannot read ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  if (!marker.test(content))
    throw new StoreError('config', `MONGODB_CLIENT_CERT_MOUNT_PATH: ${file} is not a PEM ${what}`);
  return content;
}

/** Whether the connection string already names credentials or a mechanism (then X.509 is not forced). */
export function uriNamesCredentials(uri: string): boolean {
  const authority = uri.replace(/^mongodb(\+srv)?:\/\//, '').split('/')[0];
  return authority.includes('@') || /[?&]authMechanism=/i.test(uri);
}

export function buildClientOptions(config: MongoConfig): { options: MongoClientOptions; tls: TlsMode } {
  // Defaults that fail fast; a value the URI sets itself wins.
  const defaults: Partial<MongoClientOptions> = {
    appName: 'sentinel-console',
    serverSelectionTimeoutMS: 10_000,
    connectTimeoutMS: 10_000,
  };
  const options: MongoClientOptions = Object.fromEntries(
    Object.entries(defaults).filter(([key]) => !new RegExp(`[?&]${key}=`, 'i').test(config.uri)),
  );
  const dir = config.clientCertDir;
  if (!dir) return { options, tls: 'from-uri' };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new StoreError(
      'config',
      `MONGODB_CLIENT_CERT_MOUNT_PATH names ${dir}, which is not a directory (NVSentinel mounts ca.crt, tls.crt and tls.key there)`,
    );
  }
  const files = clientCertFiles(dir);
  if (!existsSync(files.ca)) {
    throw new StoreError(
      'config',
      `MONGODB_CLIENT_CERT_MOUNT_PATH: ${files.ca} is missing (the CA that signed the MongoDB server's certificate)`,
    );
  }
  const ca = readPem(files.ca, 'CA certificate', /-----BEGIN CERTIFICATE-----/);
  const hasCert = existsSync(files.cert);
  const hasKey = existsSync(files.key);
  if (hasCert !== hasKey) {
    throw new StoreError(
      'config',
      `MONGODB_CLIENT_CERT_MOUNT_PATH: ${hasCert ? files.key : files.cert} is missing (${files.cert} and ${files.key} go together)`,
    );
  }
  Object.assign(options, { tls: true, ca });
  if (!hasCert) return { options, tls: 'ca-only' };
  Object.assign(options, {
    cert: readPem(files.cert, 'client certificate', /-----BEGIN CERTIFICATE-----/),
    key: readPem(files.key, 'private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/),
  });
  if (!uriNamesCredentials(config.uri))
    Object.assign(options, { authMechanism: 'MONGODB-X509', authSource: '$external' });
  return { options, tls: 'mutual' };
}
