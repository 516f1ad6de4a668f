// /metrics and /api/ready on a real PostgreSQL, through the app's own route handlers and its
// process-wide datastore and live hub (as Next.js runs them, minus HTTP): a consumer far behind
// reports the lag the Pipeline page's read model shows, parsed with a strict text-format parser.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openDataStore, type DataStore, type NewHealthEvent } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { loadApp, type App } from '../../support/app-modules';
import { parsePrometheusText, sampleValue, type MetricFamily } from '../../support/prometheus-text';
import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';
import { until } from '../../support/until';

const event = (nodeName: string): NewHealthEvent => ({
  nodeName,
  agent: 'syslog-health-monitor',
  checkName: 'SysLogsXIDError',
  isFatal: true,
  errorCode: ['79'],
  recommendedAction: 'RESTART_BM',
});

describe('/metrics and /api/ready', () => {
  let database: TestDatabase;
  let writer: DataStore;
  let app: App;

  const scrape = async (headers: Record<string, string> = {}) =>
    app.metrics.GET(new Request('http://localhost/metrics', { headers }));
  const scrapeFamilies = async (): Promise<Map<string, MetricFamily>> => {
    const response = await scrape();
    expect(response.status).toBe(200);
    return parsePrometheusText(await response.text());
  };

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    // Another writer (NVSentinel, say) stores events; fault-quarantine has read none of them.
    writer = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    await writer.healthEvents().insertMany([event('gpu-node-1'), event('gpu-node-2')]);
    await writer.healthEvents().insertMany([event('gpu-node-3')]);
    // The first transaction's changes were stored an hour before the newest: an hour behind.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(
      `UPDATE datastore_changelog SET changed_at = changed_at - interval '1 hour' WHERE id IN (SELECT id FROM datastore_changelog ORDER BY id LIMIT 2)`,
    );
    await client.end();
    await writer.consumers().register('fault-quarantine', { startAt: 'beginning' });
    // node-drainer failed on the first change for good: one open dead letter.
    await writer.consumers().register('node-drainer', { startAt: 'beginning' });
    const feed = await writer.changes('node-drainer');
    const first = await feed[Symbol.asyncIterator]().next();
    await feed.close();
    await writer.deadLetters().add({
      consumer: 'node-drainer',
      change: first.value,
      error: 'simulated failure',
      attempts: 5,
      firstFailedAt: new Date(),
    });

    process.env.DATABASE_URL = database.url;
    // Scraped as on a closed network (the default is closed; see the token test below).
    process.env.METRICS_OPEN = 'true';
    app = await loadApp();
  });

  afterAll(async () => {
    await app?.stop();
    await writer?.close();
    await database?.drop();
  });

  it('reports a consumer that is behind with the lag, documents behind and status the Pipeline page shows', async () => {
    // The Pipeline page's read model and a scrape, from the same lag reading (the hub takes one every 2 s).
    const { page, families } = await until('a scrape and the Pipeline read model from one lag reading', async () => {
      const overview = await app.pipeline.readPipeline(app.context);
      const scraped = await scrapeFamilies();
      const consumer = overview.lag?.consumers.find((candidate) => candidate.consumer === 'fault-quarantine');
      const readingTime = sampleValue(scraped, 'sentinel_consumer_lag_reading_timestamp_seconds');
      // The hub's feed open too (it opens once the kept projection is built or loaded).
      const feedLive = sampleValue(scraped, 'sentinel_live_feed_state', { state: 'live' }) === 1;
      return consumer && overview.lag && feedLive && readingTime === overview.lag.at / 1000
        ? { page: { overview, consumer }, families: scraped }
        : undefined;
    });
    const client = { client: 'fault-quarantine' };
    expect(page.consumer.lagSeconds).toBeGreaterThan(3599);
    expect(sampleValue(families, 'change_stream_lag_seconds', client)).toBe(page.consumer.lagSeconds);
    expect(sampleValue(families, 'change_stream_lag_known', client)).toBe(1);
    expect(sampleValue(families, 'sentinel_consumer_documents_behind', client)).toBe(page.consumer.documentsBehind);
    expect(page.consumer.documentsBehind).toBe(3);
    expect(sampleValue(families, 'sentinel_consumer_status', { ...client, status: page.consumer.status })).toBe(1);
    // The live hub's own consumer starts at the head each time: caught up.
    expect(sampleValue(families, 'change_stream_lag_seconds', { client: 'sentinel-console-live' })).toBe(0);

    expect(sampleValue(families, 'sentinel_dead_letters_open', { client: 'node-drainer' })).toBe(1);
    expect(sampleValue(families, 'sentinel_dead_letters_open', client)).toBe(0);
    expect(page.overview.deadLetterCount).toBe(1);
    expect(sampleValue(families, 'sentinel_datastore_up')).toBe(1);
    expect(sampleValue(families, 'sentinel_live_feed_state', { state: 'live' })).toBe(1);
    expect(sampleValue(families, 'sentinel_live_sse_clients')).toBe(0);
    // prom-client's process metrics, unprefixed as every client library names them.
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
  });

  it('answers in the text format, uncached, and counts store operations exactly in the histogram', async () => {
    const response = await scrape();
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');

    const store = await app.datastore.getDataStore();
    await store.healthEvents().insertMany([event('gpu-node-4')]);
    await store.healthEvents().insertMany([event('gpu-node-5')]);
    const families = await scrapeFamilies();
    const labels = { datastore: 'primary', provider: 'postgresql', operation: 'healthEvents.insertMany' };
    const recorded = (await store.stats()).operations.find(
      (operation) => operation.operation === 'healthEvents.insertMany',
    );
    expect(recorded?.count).toBe(2);
    expect(sampleValue(families, 'sentinel_store_operation_duration_seconds_count', labels)).toBe(2);
    expect(sampleValue(families, 'sentinel_store_operation_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(
      2,
    );
    expect(sampleValue(families, 'sentinel_store_operation_duration_seconds_sum', labels)).toBeGreaterThan(0);
    expect(sampleValue(families, 'sentinel_store_operation_errors_total', labels)).toBe(0);
    expect(
      sampleValue(families, 'sentinel_store_operation_duration_seconds_count', {
        ...labels,
        operation: 'consumers.lag',
      }),
    ).toBeGreaterThan(0);
  });

  it("counts health events the live hub's feed delivers, from any writer", async () => {
    const ingested = async () => sampleValue(await scrapeFamilies(), 'sentinel_health_events_ingested_total') ?? -1;
    const store = await app.datastore.getDataStore();
    await until('the live hub to follow its feed', async () => (await app.ready.GET()).status === 200);
    // Whatever earlier tests wrote after the hub started (every event but the 3 written before the
    // app loaded) is counted first; this test counts from there.
    const { before } = await until('every event written so far to be counted', async () => {
      const written = (await store.healthEvents().count()) - 3;
      return (await ingested()) === written ? { before: written } : undefined;
    });
    await store.healthEvents().insertMany([event('ingest-own-1'), event('ingest-own-2')]);
    await until('two written through the app', async () => (await ingested()) === before + 2);
    await writer.healthEvents().insertMany([event('ingest-other-1'), event('ingest-other-2'), event('ingest-other-3')]);
    await until('three more from another writer', async () => (await ingested()) === before + 5);
  });

  it('is closed without METRICS_TOKEN or METRICS_OPEN, saying how to open it', async () => {
    delete process.env.METRICS_OPEN;
    try {
      const closed = await scrape();
      expect(closed.status).toBe(403);
      expect(await closed.text()).toBe(
        'metrics are closed: set METRICS_TOKEN (sent as Authorization: Bearer <token>) or METRICS_OPEN=true\n',
      );
    } finally {
      process.env.METRICS_OPEN = 'true';
    }
  });

  it('refuses a scrape without the bearer token when METRICS_TOKEN is set (even with METRICS_OPEN)', async () => {
    process.env.METRICS_TOKEN = 'sentinel-metrics-token';
    try {
      const missing = await scrape();
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await missing.text()).not.toContain('change_stream_lag_seconds');
      expect((await scrape({ authorization: 'Bearer sentinel-metrics-tokem' })).status).toBe(401);
      expect((await scrape({ authorization: 'Bearer sentinel-metrics-token-and-more' })).status).toBe(401);
      expect((await scrape({ authorization: 'Basic c2VudGluZWwtbWV0cmljcy10b2tlbg==' })).status).toBe(401);
      expect((await scrape({ authorization: 'sentinel-metrics-token' })).status).toBe(401);
      const allowed = await scrape({ authorization: 'Bearer sentinel-metrics-token' });
      expect(allowed.status).toBe(200);
      expect(parsePrometheusText(await allowed.text()).has('change_stream_lag_seconds')).toBe(true);
      expect((await scrape({ authorization: 'bearer sentinel-metrics-token' })).status).toBe(200);
    } finally {
      delete process.env.METRICS_TOKEN;
    }
    expect((await scrape()).status).toBe(200);
  });

  it('is ready (200) while the database answers and the live hub follows its feed', async () => {
    const response = await app.ready.GET();
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.json();
    expect(body).toMatchObject({
      ready: true,
      notReady: [],
      checks: { database: { ready: true }, liveFeed: { ready: true, detail: 'the live hub follows the change feed' } },
    });
  });
});
