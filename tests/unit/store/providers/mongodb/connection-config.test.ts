// Connecting to MongoDB the way NVSentinel deployments are configured, and the errors a person
// gets when something is wrong: missing cert files, a standalone server, refused credentials.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { MongoNetworkError, MongoServerError, Timestamp } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';

import { configFromEnv, StoreError, type MongoConfig } from '@/lib/store';
import { buildClientOptions, uriNamesCredentials } from '@/lib/store/providers/mongodb/mongo-client-options';
import { collectionNames } from '@/lib/store/providers/mongodb/mongo-connection';
import {
  classifyChangeStreamError,
  describeTarget,
  translateMongoError,
} from '@/lib/store/providers/mongodb/mongo-errors';
import {
  clusterTimeOf,
  describeServer,
  refuseWithoutChangeStreams,
  supportsPreImages,
} from '@/lib/store/providers/mongodb/mongo-topology';

const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const dirs: string[] = [];

function certDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mongo-certs-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

const config = (overrides: Partial<MongoConfig> = {}): MongoConfig => ({
  provider: 'mongodb',
  uri: 'mongodb://mongo-0.mongo:27017/?replicaSet=rs0',
  databaseName: 'HealthEventsDatabase',
  healthEventsCollection: 'HealthEvents',
  maintenanceEventsCollection: 'MaintenanceEvents',
  tokensCollection: 'ResumeTokens',
  ...overrides,
});

const errorOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return error as StoreError;
  }
  throw new Error('expected an error');
};

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('MongoDB client options', () => {
  it('uses mutual TLS and X.509 with the certificates NVSentinel mounts', () => {
    const dir = certDir({ 'ca.crt': PEM_CERT, 'tls.crt': PEM_CERT, 'tls.key': PEM_KEY });
    const { options, tls } = buildClientOptions(config({ clientCertDir: dir }));
    expect(tls).toBe('mutual');
    expect(options).toMatchObject({
      tls: true,
      ca: PEM_CERT,
      cert: PEM_CERT,
      key: PEM_KEY,
      authMechanism: 'MONGODB-X509',
      authSource: '$external',
    });
  });

  it('keeps the credentials the URI names, and uses CA-only TLS when no client certificate is mounted', () => {
    const both = certDir({ 'ca.crt': PEM_CERT, 'tls.crt': PEM_CERT, 'tls.key': PEM_KEY });
    const withPassword = buildClientOptions(
      config({ clientCertDir: both, uri: 'mongodb://reader:secret@mongo-0:27017/?replicaSet=rs0' }),
    );
    expect(withPassword.options).not.toHaveProperty('authMechanism');
    const caOnly = buildClientOptions(config({ clientCertDir: certDir({ 'ca.crt': PEM_CERT }) }));
    expect(caOnly).toMatchObject({ tls: 'ca-only', options: { tls: true, ca: PEM_CERT } });
    expect(caOnly.options).not.toHaveProperty('cert');
    expect(uriNamesCredentials('mongodb+srv://cluster0.example.net/?authMechanism=MONGODB-AWS')).toBe(true);
    expect(uriNamesCredentials('mongodb://h1,h2/?replicaSet=rs0')).toBe(false);
  });

  it('fails fast by default but lets the URI set its own timeouts', () => {
    expect(buildClientOptions(config()).options).toMatchObject({
      serverSelectionTimeoutMS: 10_000,
      connectTimeoutMS: 10_000,
    });
    expect(
      buildClientOptions(config({ uri: 'mongodb://m/?replicaSet=rs0&serverSelectionTimeoutMS=1500' })).options,
    ).not.toHaveProperty('serverSelectionTimeoutMS');
  });

  it('names the missing or unusable certificate file', () => {
    const noCa = certDir({ 'tls.crt': PEM_CERT, 'tls.key': PEM_KEY });
    expect(errorOf(() => buildClientOptions(config({ clientCertDir: noCa }))).message).toContain(
      `${path.join(noCa, 'ca.crt')} is missing`,
    );
    const noKey = certDir({ 'ca.crt': PEM_CERT, 'tls.crt': PEM_CERT });
    const missingKey = errorOf(() => buildClientOptions(config({ clientCertDir: noKey })));
    expect(missingKey).toMatchObject({ code: 'config' });
    expect(missingKey.message).toContain(`${path.join(noKey, 'tls.key')} is missing`);
    const badCa = certDir({ 'ca.crt': 'not a certificate' });
    expect(errorOf(() => buildClientOptions(config({ clientCertDir: badCa }))).message).toContain(
      `${path.join(badCa, 'ca.crt')} is not a PEM CA certificate`,
    );
    expect(errorOf(() => buildClientOptions(config({ clientCertDir: '/nonexistent/certs' }))).message).toContain(
      'names /nonexistent/certs, which is not a directory',
    );
  });

  it("reads our collections' names from the environment, with defaults", () => {
    const env = configFromEnv({
      MONGODB_URI: 'mongodb://m/?replicaSet=rs0',
      MONGODB_DEAD_LETTER_COLLECTION_NAME: 'Letters',
      MONGODB_ENABLE_PRE_IMAGES: 'true',
    }) as MongoConfig;
    expect(collectionNames(env)).toEqual({
      healthEvents: 'HealthEvents',
      maintenanceEvents: 'MaintenanceEvents',
      tokens: 'ResumeTokens',
      consumers: 'ConsoleConsumers',
      deadLetters: 'Letters',
    });
    expect(env.enablePreImages).toBe(true);
    expect(() => configFromEnv({ MONGODB_URI: 'mongodb://m', MONGODB_ENABLE_PRE_IMAGES: 'maybe' })).toThrow(
      'MONGODB_ENABLE_PRE_IMAGES must be true or false (got "maybe")',
    );
  });
});

describe('MongoDB server checks and errors', () => {
  it('refuses a standalone server, saying why and how to fix it; accepts replica sets and mongos', () => {
    const standalone = describeServer({ isWritablePrimary: true, maxWireVersion: 21 });
    const refusal = errorOf(() => refuseWithoutChangeStreams(standalone, 'localhost:27017/HealthEventsDatabase'));
    expect(refusal).toMatchObject({ code: 'config' });
    expect(refusal.message).toMatch(
      /standalone server, not a replica set: change streams and transactions need one.*--replSet rs0.*rs\.initiate\(\).*replicaSet=rs0/,
    );
    expect(() => refuseWithoutChangeStreams(describeServer({ setName: 'rs0', maxWireVersion: 21 }), 't')).not.toThrow();
    expect(() =>
      refuseWithoutChangeStreams(describeServer({ msg: 'isdbgrid', maxWireVersion: 21 }), 't'),
    ).not.toThrow();
    expect(supportsPreImages(describeServer({ setName: 'rs0', maxWireVersion: 13 }))).toBe(false);
    expect(supportsPreImages(describeServer({ setName: 'rs0', maxWireVersion: 17 }))).toBe(true);
  });

  it("takes the head time from hello's majority write, else the operation or cluster time", () => {
    const majority = new Timestamp({ t: 1_763_700_000, i: 3 });
    const latest = new Timestamp({ t: 1_763_700_005, i: 1 });
    expect(
      clusterTimeOf({ lastWrite: { majorityOpTime: { ts: majority }, opTime: { ts: latest } }, operationTime: latest }),
    ).toBe(majority);
    expect(clusterTimeOf({ msg: 'isdbgrid', $clusterTime: { clusterTime: latest } })).toBe(latest);
    expect(clusterTimeOf({})).toBeNull();
  });

  it('describes the server without the password and turns driver errors into actionable ones', () => {
    expect(
      describeTarget(
        'mongodb://reader:s3cret@mongo-0:27017,mongo-1:27017/admin?replicaSet=rs0',
        'HealthEventsDatabase',
      ),
    ).toBe('mongo-0:27017,mongo-1:27017/HealthEventsDatabase');
    const target = 'mongo-0:27017/HealthEventsDatabase';
    const auth = translateMongoError(
      new MongoServerError({ code: 18, codeName: 'AuthenticationFailed', errmsg: 'Authentication failed.' }),
      target,
    );
    expect(auth).toMatchObject({ code: 'auth', message: expect.stringContaining('refused the credentials') });
    const readOnly = translateMongoError(
      new MongoServerError({
        code: 13,
        codeName: 'Unauthorized',
        errmsg: 'not authorized on HealthEventsDatabase to execute command { insert: ... }',
      }),
      target,
      'insert health events',
    );
    expect((readOnly as StoreError).message).toMatch(
      /may not insert health events .* a read-only user can read everything but cannot write/,
    );
    const refused = translateMongoError(new MongoNetworkError('connect ECONNREFUSED 10.0.0.1:27017'), target);
    expect(refused).toMatchObject({
      code: 'unreachable',
      message: `cannot reach MongoDB at ${target}: connection refused (is the server running, and are host and port right?)`,
    });
    const other = new Error('something else');
    expect(translateMongoError(other, target)).toBe(other);
  });

  it('tells a lost position from a server that is away for a while', () => {
    expect(
      classifyChangeStreamError(
        new MongoServerError({
          code: 286,
          errmsg: 'Resume of change stream was not possible, as the resume point may no longer be in the oplog.',
        }),
      ),
    ).toEqual({ kind: 'position-lost', reason: expect.stringContaining('ChangeStreamHistoryLost') });
    expect(
      classifyChangeStreamError(
        new MongoServerError({ code: 280, errmsg: 'cannot resume stream; the resume token was not found' }),
      ).kind,
    ).toBe('position-lost');
    expect(
      classifyChangeStreamError(
        new MongoServerError({
          code: 136,
          errmsg: 'CollectionScan died due to position in capped collection being deleted',
        }),
      ).kind,
    ).toBe('position-lost');
    expect(classifyChangeStreamError(new MongoNetworkError('connection 3 to 10.0.0.1:27017 closed')).kind).toBe(
      'transient',
    );
    expect(
      classifyChangeStreamError(
        new MongoServerError({ code: 91, errmsg: 'The server is in quiesce mode and will shut down' }),
      ).kind,
    ).toBe('transient');
    expect(classifyChangeStreamError(new MongoServerError({ code: 13, errmsg: 'not authorized' })).kind).toBe('fatal');
  });
});
