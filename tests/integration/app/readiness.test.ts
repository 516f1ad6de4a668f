// /api/ready against a database that comes and goes: the app reaches a real PostgreSQL through a
// TCP proxy the test opens and cuts. Not ready (503, naming what) while the database is away or
// the live hub's feed is not following; ready again once both are back. /api/health stays 200
// (liveness) and /metrics keeps answering throughout.
import net from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Readiness } from '@/lib/probes/readiness';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { loadApp, type App } from '../../support/app-modules';
import { freePort } from '../../support/free-port';
import { parsePrometheusText, sampleValue } from '../../support/prometheus-text';
import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';
import { until } from '../../support/until';

/** Forwards 127.0.0.1:port to the database while open; cut() drops every connection and refuses new ones. */
class DatabaseProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

describe('/api/ready while the database comes and goes', () => {
  let database: TestDatabase;
  let proxy: DatabaseProxy;
  let routes: App;

  const readiness = async () => {
    const response = await routes.ready.GET();
    return { status: response.status, body: (await response.json()) as Readiness };
  };
  const readyWith =
    (status: number, check: (body: Readiness) => boolean = () => true) =>
    async () => {
      const answer = await readiness();
      return answer.status === status && check(answer.body) ? answer.body : undefined;
    };

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    const direct = new URL(database.url);
    proxy = new DatabaseProxy(await freePort(), { host: direct.hostname, port: Number(direct.port) });
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    process.env.DATABASE_URL = viaProxy.toString();
    process.env.METRICS_OPEN = 'true';
    routes = await loadApp();
  });

  afterAll(async () => {
    await proxy?.open().catch(() => {});
    await routes?.stop();
    await proxy?.cut();
    await database?.drop();
  });

  it('is not ready while the database is unreachable from the start, naming the database and the live feed; liveness and /metrics still answer', async () => {
    const { status, body } = await readiness();
    expect(status).toBe(503);
    expect(body.ready).toBe(false);
    expect(body.notReady).toEqual(['database', 'liveFeed']);
    expect(body.checks.database.detail).toMatch(/^the datastore does not answer: /);
    expect(body.checks.liveFeed.detail).toMatch(/^the live hub could not start: /);

    const health = await routes.health.GET();
    expect(health.status).toBe(200);
    expect((await health.json()).database.reachable).toBe(false);

    const metrics = await routes.metrics.GET(new Request('http://localhost/metrics'));
    expect(metrics.status).toBe(200);
    const families = parsePrometheusText(await metrics.text());
    expect(sampleValue(families, 'sentinel_datastore_up')).toBe(0);
    expect(families.get('change_stream_lag_seconds')?.samples).toEqual([]);
    expect(sampleValue(families, 'sentinel_live_feed_state', { state: 'live' })).toBe(0);
  });

  it('becomes ready once the database answers and the live hub follows its feed', async () => {
    await proxy.open();
    const body = await until('ready', readyWith(200), 40_000);
    expect(body).toMatchObject({
      ready: true,
      notReady: [],
      checks: { database: { ready: true }, liveFeed: { ready: true } },
    });
    expect(body.checks.database.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('is not ready while the database goes away under a running hub, and ready again when it is back', async () => {
    await proxy.cut();
    const away = await until(
      'not ready with the database and the feed named',
      readyWith(503, (body) => body.notReady.includes('database') && body.notReady.includes('liveFeed')),
      40_000,
    );
    expect(away.checks.database.detail).toMatch(/^the datastore does not answer: /);
    expect(away.checks.liveFeed.detail).toBe("the live hub's change feed is reconnecting to the datastore");
    expect((await routes.health.GET()).status).toBe(200);
    const scraped = parsePrometheusText(
      await (await routes.metrics.GET(new Request('http://localhost/metrics'))).text(),
    );
    expect(sampleValue(scraped, 'sentinel_datastore_up')).toBe(0);
    expect(sampleValue(scraped, 'sentinel_live_feed_state', { state: 'reconnecting' })).toBe(1);

    await proxy.open();
    await until('ready again', readyWith(200), 40_000);
  });
});
