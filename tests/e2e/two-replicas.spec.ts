// Two `npm start` processes on one database, as a Deployment of two pods runs beside NVSentinel
// (issue 18): the first keeps the node projection under the lease, the second follows it; both
// answer with the same nodes. The keeper is killed (SIGKILL: no clean release) while NVSentinel's
// platform connector keeps writing; the other takes the lease over within seconds and goes on from
// the kept rows, and every node's fatal count, on its page and in the kept rows, equals the
// datastore's: nothing missed, nothing counted twice.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import pg from 'pg';

import { EmbeddedDatabase } from '../../lib/embedded-database/embedded-database';
import type { NodeList } from '../../lib/node-state/node-list';
import { xidFatalDocument } from '../fixtures/nvsentinel/documents';
import { platformConnectorInsert } from '../fixtures/nvsentinel/writers';
import { E2E_ADMIN, signIn } from './support/accounts';
import { killConsoleTree, launchConsole, portFree, stopConsole, type ConsoleProcess } from './support/console-process';
import { E2E_PG_PORT, E2E_PORT } from './support/test-ports';

const PORTS = [7, 8].map((offset) => E2E_PORT + offset);
const PG_PORT = E2E_PG_PORT + 7;
const NODES = 12;
const node = (i: number) => `replica-gpu-${String(i).padStart(2, '0')}`;

test.describe.configure({ mode: 'serial', timeout: 300_000 });

test.describe('two npm start processes on one database', () => {
  let serverDir: string;
  let server: EmbeddedDatabase;
  let datastore: pg.Client;
  let url: string;
  const replicas: ConsoleProcess[] = [];
  const apis: APIRequestContext[] = [];
  let written = 0;

  /** NVSentinel's platform connector writing one fatal XID event on a node. */
  const write = async (i: number) => {
    written += 1;
    await platformConnectorInsert(datastore, xidFatalDocument(node(i % NODES), 1_763_700_000 + written));
  };

  // Every event written here is a fatal XID, so a node's events are its fatal events.
  const fatalInDatastore = async () =>
    Object.fromEntries(
      (
        await datastore.query<{ node_name: string; n: string }>(
          `SELECT node_name, count(*) AS n FROM health_events WHERE node_name LIKE 'replica-gpu-%' GROUP BY node_name`,
        )
      ).rows.map((row) => [row.node_name, Number(row.n)]),
    );
  const fatalShownBy = async (api: APIRequestContext) => {
    const response = await api.get('/api/nodes?q=replica-gpu-&pageSize=100');
    if (!response.ok()) return { status: response.status() };
    const list = (await response.json()) as NodeList;
    return Object.fromEntries(list.nodes.map((view) => [view.name, view.fatalCount]));
  };
  const fatalKept = async () =>
    Object.fromEntries(
      (
        await datastore.query<{ node_name: string; n: number }>(
          `SELECT node_name, (record->'view'->>'fatalCount')::int AS n FROM console_node_projection WHERE node_name LIKE 'replica-gpu-%'`,
        )
      ).rows.map((row) => [row.node_name, row.n]),
    );

  const launch = async (index: number) => {
    const replica = launchConsole({
      PORT: String(PORTS[index]),
      DATABASE_URL: url,
      SIMULATOR: 'off',
      CLUSTER_ACCESS: 'off',
      CONSOLE_ADMIN_PASSWORD: E2E_ADMIN.password,
      CONSOLE_SIGN_IN_RATE_LIMIT: '1000',
    });
    replicas[index] = replica;
    await expect
      .poll(
        async () => {
          const health = await fetch(`http://127.0.0.1:${PORTS[index]}/api/ready`).then(
            (response) => response.status,
            () => null,
          );
          return health === 200
            ? 'ready'
            : replica.child.exitCode === null
              ? 'starting'
              : `exited: ${replica.output().slice(-2000)}`;
        },
        { timeout: 240_000, intervals: [1_000] },
      )
      .toBe('ready');
    const api = await playwrightRequest.newContext({ baseURL: `http://127.0.0.1:${PORTS[index]}` });
    await signIn(api, `http://127.0.0.1:${PORTS[index]}`, E2E_ADMIN);
    apis[index] = api;
    return replica;
  };

  test.beforeAll(async () => {
    test.setTimeout(600_000);
    for (const port of PORTS)
      expect(await portFree(port), `port ${port} is taken; is another run going on?`).toBe(true);
    serverDir = await mkdtemp(path.join(os.tmpdir(), 'console-two-replicas-'));
    server = new EmbeddedDatabase({ baseDir: serverDir, port: PG_PORT, database: 'postgres' });
    await server.start();
    const admin = new pg.Client({ connectionString: server.urlFor('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE nvsentinel');
    await admin.end();
    url = server.urlFor('nvsentinel');
  });

  test.afterAll(async () => {
    for (const api of apis) await api?.dispose();
    for (const replica of replicas)
      if (replica && replica.child.exitCode === null && replica.child.signalCode === null)
        await stopConsole(replica, 'SIGTERM');
    await datastore?.end();
    await server?.stop();
    if (serverDir) await rm(serverDir, { recursive: true, force: true });
  });

  test('one keeps the projection, the other follows, and takes over when the keeper is killed: nothing missed or doubled', async () => {
    await launch(0);
    datastore = new pg.Client({ connectionString: url });
    await datastore.connect();
    for (let i = 0; i < NODES * 2; i += 1) await write(i);
    await launch(1);
    expect(replicas[0].output()).toContain('keeping the node projection');
    expect(replicas[1].output()).toContain('following the node projection another replica keeps');

    // Both answer with the datastore's counts.
    for (const api of apis)
      await expect.poll(async () => fatalShownBy(api), { timeout: 30_000 }).toEqual(await fatalInDatastore());

    // NVSentinel keeps writing while the keeper dies without releasing its lease.
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i += 1) {
        await write(i);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await expect.poll(async () => written, { timeout: 10_000 }).toBeGreaterThan(NODES * 2 + 20);
    const killedAt = Date.now();
    await killConsoleTree(replicas[0]);
    await expect
      .poll(() => portFree(PORTS[0]), { message: 'the killed replica left its server running', timeout: 10_000 })
      .toBe(true);
    await expect
      .poll(() => replicas[1].output().includes('keeping the node projection'), { timeout: 60_000, intervals: [250] })
      .toBe(true);
    const tookOverSeconds = (Date.now() - killedAt) / 1000;
    writing = false;
    await writer;

    const expected = await fatalInDatastore();
    await expect.poll(async () => fatalShownBy(apis[1]), { timeout: 30_000 }).toEqual(expected);
    await expect.poll(fatalKept, { timeout: 30_000 }).toEqual(expected);
    // Within seconds: the lease lives 10 s and is tried every 3 s.
    expect(tookOverSeconds).toBeLessThan(30);
    test.info().annotations.push({ type: 'takeover', description: `${tookOverSeconds.toFixed(1)} s after SIGKILL` });
  });
});
