import { expect, test } from '@playwright/test';

import { baseURL, E2E_METRICS_TOKEN } from '../../playwright.config';
import { parsePrometheusText, sampleValue, type MetricFamily } from '../support/prometheus-text';

// /metrics and /api/ready are fetched without a browser session (as Prometheus and the kubelet
// do); /api/pipeline through the page's context, which carries the session when the suite signs in.
// /metrics wants the bearer token METRICS_TOKEN the app under test was started with.
const get = (path: string) =>
  fetch(`${baseURL}${path}`, {
    cache: 'no-store',
    headers: path === '/metrics' ? { authorization: `Bearer ${E2E_METRICS_TOKEN}` } : {},
  });

test('/metrics answers 401 without the token or with a wrong one, and nothing of the metrics', async () => {
  const attempts: Record<string, string>[] = [
    {},
    { authorization: 'Bearer not-the-token' },
    { authorization: `Basic ${E2E_METRICS_TOKEN}` },
  ];
  for (const headers of attempts) {
    const response = await fetch(`${baseURL}/metrics`, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await response.text()).not.toContain('sentinel_');
  }
});

test('/api/ready turns 200 once the live hub follows its feed, with every check named', async () => {
  await expect.poll(async () => (await get('/api/ready')).status, { timeout: 60_000 }).toBe(200);
  const response = await get('/api/ready');
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(await response.json()).toMatchObject({
    ready: true,
    notReady: [],
    checks: { database: { ready: true }, liveFeed: { ready: true } },
  });
});

test("/metrics parses strictly, and a simulated consumer's lag is the one /api/pipeline shows", async ({ page }) => {
  test.setTimeout(90_000);
  await expect.poll(async () => (await get('/api/ready')).status, { timeout: 60_000 }).toBe(200);
  // The simulator keeps writing, so the lag moves: compare a scrape and a pipeline read that come
  // from the same lag reading (the live hub takes one every 2 s).
  interface PipelineConsumer {
    consumer: string;
    lagSeconds: number | null;
    documentsBehind: number | null;
    status: string;
  }
  let match:
    | {
        families: Map<string, MetricFamily>;
        lagSeconds: number | null;
        documentsBehind: number | null;
        status: string;
        consumers: PipelineConsumer[];
        deadLetters: { consumer: string }[];
      }
    | undefined;
  for (let attempt = 0; attempt < 40 && !match; attempt += 1) {
    const scrape = await get('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(await scrape.text());
    const pipelineResponse = await page.request.get('/api/pipeline');
    expect(pipelineResponse.status()).toBe(200);
    const pipeline = await pipelineResponse.json();
    const consumer = pipeline.lag?.consumers.find(
      (candidate: { consumer: string }) => candidate.consumer === 'fault-quarantine',
    );
    if (
      consumer &&
      sampleValue(families, 'sentinel_consumer_lag_reading_timestamp_seconds') === pipeline.lag.at / 1000
    ) {
      match = {
        families,
        lagSeconds: consumer.lagSeconds,
        documentsBehind: consumer.documentsBehind,
        status: consumer.status,
        consumers: pipeline.lag.consumers,
        deadLetters: pipeline.deadLetters,
      };
    } else {
      await page.waitForTimeout(250);
    }
  }
  expect(match, 'a scrape and /api/pipeline from the same lag reading').toBeDefined();
  const { families, lagSeconds, documentsBehind, status, consumers, deadLetters } = match!;
  const client = { client: 'fault-quarantine' };
  expect(lagSeconds).not.toBeNull();
  expect(sampleValue(families, 'change_stream_lag_seconds', client)).toBe(lagSeconds);
  expect(sampleValue(families, 'change_stream_lag_known', client)).toBe(1);
  expect(sampleValue(families, 'sentinel_consumer_documents_behind', client)).toBe(documentsBehind);
  expect(sampleValue(families, 'sentinel_consumer_status', { ...client, status })).toBe(1);
  // The other simulated consumers: positions known, with the lag of the same reading, and as many
  // open dead letters as /api/pipeline lists for them (the simulator gives them none to fail on).
  for (const consumer of ['node-drainer', 'fault-remediation']) {
    const shown = consumers.find((candidate) => candidate.consumer === consumer);
    expect(shown?.lagSeconds, `${consumer} on /api/pipeline`).not.toBeNull();
    expect(sampleValue(families, 'change_stream_lag_known', { client: consumer })).toBe(1);
    expect(sampleValue(families, 'change_stream_lag_seconds', { client: consumer })).toBe(shown!.lagSeconds);
    expect(sampleValue(families, 'sentinel_dead_letters_open', { client: consumer })).toBe(
      deadLetters.filter((letter) => letter.consumer === consumer).length,
    );
  }
  expect(families.get('sentinel_store_operation_duration_seconds')?.type).toBe('histogram');
  expect(
    sampleValue(families, 'sentinel_store_operation_duration_seconds_count', {
      datastore: 'primary',
      provider: 'postgresql',
      operation: 'consumers.lag',
    }),
  ).toBeGreaterThan(0);
  expect(sampleValue(families, 'sentinel_datastore_up')).toBe(1);
  expect(sampleValue(families, 'sentinel_live_feed_state', { state: 'live' })).toBe(1);
  expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
  // The simulator writes 20 events/s; the hub's feed counts them.
  await expect
    .poll(
      async () =>
        sampleValue(parsePrometheusText(await (await get('/metrics')).text()), 'sentinel_health_events_ingested_total'),
      { timeout: 20_000 },
    )
    .toBeGreaterThan(0);
});
