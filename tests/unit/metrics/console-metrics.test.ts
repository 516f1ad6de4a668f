// The console's metrics over scripted sources: lag known and unknown, a stale reading, a failing
// source, consumers that go away, and the operation histogram fed by the SDK's own recording.
import { describe, expect, it, vi } from 'vitest';

import type { ConsumerLagView, PipelineMessage } from '@/lib/live/live-messages';
import { ConsoleMetrics, type MetricsSources } from '@/lib/metrics/console-metrics';
import type { DataStore } from '@/lib/store';
import { OperationMetrics } from '@/lib/store/metrics/operation-metrics';
import { decodeRow } from '@/lib/store/providers/postgres/health-event-codec';

import { xidFatalDocument } from '../../fixtures/nvsentinel/documents';

import { parsePrometheusText, sampleValue } from '../../support/prometheus-text';

const now = Date.parse('2026-12-02T10:00:00Z');

const consumer = (name: string, overrides: Partial<ConsumerLagView> = {}): ConsumerLagView => ({
  consumer: name,
  status: 'ok',
  statusReason: 'caught up',
  position: '1/1',
  positionKnown: true,
  positionLost: null,
  lagSeconds: 0,
  documentsBehind: 0,
  documentsBehindCapped: false,
  documentsBehindEstimated: false,
  lastAckAt: now,
  lastSeenAt: now,
  catchUpSeconds: 0,
  history: [],
  ...overrides,
});

function sources(overrides: Partial<MetricsSources> & { lag?: PipelineMessage | null } = {}): MetricsSources {
  const { lag = null, ...rest } = overrides;
  return {
    consumerLag: async () => lag,
    openDeadLetters: async () => ({}),
    liveHub: async () => ({ clients: 2, feed: 'live', healthEventsSeen: 41 }),
    ping: async () => ({ latencyMs: 1 }),
    cluster: async () => null,
    ...rest,
  };
}

const scrape = async (metrics: ConsoleMetrics, from: MetricsSources) => parsePrometheusText(await metrics.render(from));

describe('console metrics', () => {
  it("reports each consumer of a fresh reading under NVSentinel's lag names, with documents behind and status", async () => {
    const metrics = new ConsoleMetrics({ now: () => now });
    const lag: PipelineMessage = {
      at: now - 1_500,
      outOfOrderTotal: 0,
      consumers: [
        consumer('fault-quarantine', { lagSeconds: 12.345, documentsBehind: 250, status: 'falling-behind' }),
        consumer('node-drainer', { lagSeconds: null, documentsBehind: null, positionKnown: false, status: 'stopped' }),
      ],
    };
    const families = await scrape(
      metrics,
      sources({ lag, openDeadLetters: async () => ({ 'fault-quarantine': 3, 'node-drainer': 0 }) }),
    );
    expect(sampleValue(families, 'change_stream_lag_seconds', { client: 'fault-quarantine' })).toBe(12.345);
    expect(sampleValue(families, 'change_stream_lag_known', { client: 'fault-quarantine' })).toBe(1);
    expect(sampleValue(families, 'sentinel_consumer_documents_behind', { client: 'fault-quarantine' })).toBe(250);
    expect(
      sampleValue(families, 'sentinel_consumer_status', { client: 'fault-quarantine', status: 'falling-behind' }),
    ).toBe(1);
    expect(sampleValue(families, 'sentinel_consumer_status', { client: 'fault-quarantine', status: 'ok' })).toBe(0);
    // Unknown: no lag series at all (never a 0 that would read as caught up), known 0.
    expect(sampleValue(families, 'change_stream_lag_seconds', { client: 'node-drainer' })).toBeUndefined();
    expect(sampleValue(families, 'sentinel_consumer_documents_behind', { client: 'node-drainer' })).toBeUndefined();
    expect(sampleValue(families, 'change_stream_lag_known', { client: 'node-drainer' })).toBe(0);
    expect(sampleValue(families, 'sentinel_consumer_lag_reading_timestamp_seconds')).toBe((now - 1_500) / 1000);
    expect(sampleValue(families, 'sentinel_dead_letters_open', { client: 'fault-quarantine' })).toBe(3);
    expect(sampleValue(families, 'sentinel_live_sse_clients')).toBe(2);
    expect(sampleValue(families, 'sentinel_live_feed_state', { state: 'live' })).toBe(1);
    expect(sampleValue(families, 'sentinel_live_feed_state', { state: 'reconnecting' })).toBe(0);
    expect(sampleValue(families, 'sentinel_health_events_ingested_total')).toBe(41);
    expect(sampleValue(families, 'sentinel_datastore_up')).toBe(1);
    expect(families.get('change_stream_lag_seconds')?.type).toBe('gauge');
    expect(families.get('sentinel_health_events_ingested_total')?.type).toBe('counter');
  });

  it('treats a reading older than the stale limit as no evidence: known 0, no lag figures', async () => {
    const metrics = new ConsoleMetrics({ now: () => now, staleAfterMs: 30_000 });
    const lag: PipelineMessage = {
      at: now - 31_000,
      outOfOrderTotal: 0,
      consumers: [consumer('fault-quarantine', { lagSeconds: 5, documentsBehind: 9 })],
    };
    const families = await scrape(metrics, sources({ lag }));
    expect(sampleValue(families, 'change_stream_lag_known', { client: 'fault-quarantine' })).toBe(0);
    expect(sampleValue(families, 'change_stream_lag_seconds', { client: 'fault-quarantine' })).toBeUndefined();
    expect(sampleValue(families, 'sentinel_consumer_documents_behind', { client: 'fault-quarantine' })).toBeUndefined();
    expect(sampleValue(families, 'sentinel_consumer_lag_reading_timestamp_seconds')).toBe((now - 31_000) / 1000);
  });

  it('reads each source once per scrape, leaves out the series of a failing one, and forgets consumers that went away', async () => {
    const errors: string[] = [];
    const metrics = new ConsoleMetrics({ now: () => now, onSourceError: (source) => errors.push(source) });
    const reads = vi.fn(async (): Promise<PipelineMessage> => ({
      at: now,
      outOfOrderTotal: 0,
      consumers: [consumer('a', { lagSeconds: 1 }), consumer('b', { lagSeconds: 2 })],
    }));
    const first = await scrape(metrics, sources({ consumerLag: reads, openDeadLetters: async () => ({ a: 1 }) }));
    expect(reads).toHaveBeenCalledTimes(1);
    expect(sampleValue(first, 'change_stream_lag_seconds', { client: 'b' })).toBe(2);

    const failing = sources({
      consumerLag: async () => ({ at: now, outOfOrderTotal: 0, consumers: [consumer('a', { lagSeconds: 1 })] }),
      openDeadLetters: async () => {
        throw new Error('connect ECONNREFUSED');
      },
      ping: async () => {
        throw new Error('connect ECONNREFUSED');
      },
      liveHub: async () => null,
    });
    const second = await scrape(metrics, failing);
    expect(sampleValue(second, 'change_stream_lag_seconds', { client: 'b' })).toBeUndefined();
    expect(sampleValue(second, 'change_stream_lag_known', { client: 'b' })).toBeUndefined();
    expect(second.get('sentinel_dead_letters_open')?.samples).toEqual([]);
    expect(sampleValue(second, 'sentinel_datastore_up')).toBe(0);
    expect(second.get('sentinel_live_feed_state')?.samples).toEqual([]);
    expect(errors.sort()).toEqual(['openDeadLetters', 'ping']);
  });

  it('puts every recorded store operation in the histogram, exactly, with failures counted', async () => {
    const metrics = new ConsoleMetrics();
    const recording = new OperationMetrics();
    const store = { provider: 'postgresql', observeOperations: (observer) => recording.observe(observer) } as Pick<
      DataStore,
      'provider' | 'observeOperations'
    > as DataStore;
    recording.record('before.observing', 5);
    metrics.observeStore(store, 'primary');
    metrics.observeStore(store, 'primary'); // once per store
    recording.record('healthEvents.count', 0.4);
    recording.record('healthEvents.count', 3);
    recording.record('healthEvents.count', 2_000, true);
    await expect(
      recording.time('ping', async () => {
        throw new Error('down');
      }),
    ).rejects.toThrow('down');

    const families = await scrape(metrics, sources());
    const labels = { datastore: 'primary', provider: 'postgresql', operation: 'healthEvents.count' };
    expect(sampleValue(families, 'sentinel_store_operation_duration_seconds_count', labels)).toBe(3);
    expect(sampleValue(families, 'sentinel_store_operation_duration_seconds_sum', labels)).toBeCloseTo(2.0034, 6);
    expect(sampleValue(families, 'sentinel_store_operation_duration_seconds_bucket', { ...labels, le: '0.0005' })).toBe(
      1,
    );
    expect(sampleValue(families, 'sentinel_store_operation_duration_seconds_bucket', { ...labels, le: '0.005' })).toBe(
      2,
    );
    expect(sampleValue(families, 'sentinel_store_operation_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(
      3,
    );
    expect(sampleValue(families, 'sentinel_store_operation_errors_total', labels)).toBe(1);
    expect(sampleValue(families, 'sentinel_store_operation_errors_total', { ...labels, operation: 'ping' })).toBe(1);
    expect(
      sampleValue(families, 'sentinel_store_operation_duration_seconds_count', {
        ...labels,
        operation: 'before.observing',
      }),
    ).toBeUndefined();
    expect(recording.snapshot().find((operation) => operation.operation === 'healthEvents.count')?.count).toBe(3);
  });

  it('keeps store operations working when an observer throws', async () => {
    const recording = new OperationMetrics();
    recording.observe(() => {
      throw new Error('observer bug');
    });
    await expect(recording.time('ping', async () => 'pong')).resolves.toBe('pong');
    expect(recording.snapshot()[0]).toMatchObject({ operation: 'ping', count: 1, errors: 0 });
  });

  it('counts the enum values this process decoded without knowing them, per field and raw value', async () => {
    const metrics = new ConsoleMetrics({ now: () => now });
    const before =
      sampleValue(await scrape(metrics, sources()), 'sentinel_unknown_enum_values_total', {
        field: 'recommendedAction',
        value: '77',
      }) ?? 0;
    // A newer NVSentinel's action 77, read twice by the store.
    const stored = xidFatalDocument('gpu-node-1');
    stored.healthevent.recommendedAction = 77;
    decodeRow({ id: 'a', document: stored });
    decodeRow({ id: 'b', document: stored });
    const families = await scrape(metrics, sources());
    expect(
      sampleValue(families, 'sentinel_unknown_enum_values_total', { field: 'recommendedAction', value: '77' }),
    ).toBe(before + 2);
  });
});

const BREAKER = { context: 'prod', namespace: 'nvsentinel' };

describe('the cluster half in /metrics', () => {
  it("reports the breaker as NVSentinel's ConfigMap says, its window against the limit, and the watch's state", async () => {
    const metrics = new ConsoleMetrics();
    const families = await scrape(
      metrics,
      sources({
        cluster: async () => ({
          ...BREAKER,
          state: 'live' as const,
          breakerStatus: 'TRIPPED',
          breakerCordons: 24,
          breakerLimit: 24,
          cordonedNodes: 30,
        }),
      }),
    );
    expect(sampleValue(families, 'sentinel_circuit_breaker_tripped', BREAKER)).toBe(1);
    expect(sampleValue(families, 'sentinel_circuit_breaker_cordons_in_window', BREAKER)).toBe(24);
    expect(sampleValue(families, 'sentinel_circuit_breaker_limit', BREAKER)).toBe(24);
    expect(sampleValue(families, 'sentinel_cluster_cordoned_nodes', { context: 'prod' })).toBe(30);
    expect(sampleValue(families, 'sentinel_cluster_state', { context: 'prod', state: 'live' })).toBe(1);
    expect(sampleValue(families, 'sentinel_cluster_state', { context: 'prod', state: 'stale' })).toBe(0);
    const closed = await scrape(
      metrics,
      sources({
        cluster: async () => ({
          ...BREAKER,
          state: 'stale' as const,
          breakerStatus: 'CLOSED',
          breakerCordons: 1,
          breakerLimit: 24,
          cordonedNodes: 2,
        }),
      }),
    );
    expect(sampleValue(closed, 'sentinel_circuit_breaker_tripped', BREAKER)).toBe(0);
    expect(sampleValue(closed, 'sentinel_cluster_state', { context: 'prod', state: 'stale' })).toBe(1);
  });

  it('leaves every cluster series out without cluster access, and the breaker out until the first list answers', async () => {
    const metrics = new ConsoleMetrics();
    const none = await scrape(metrics, sources());
    expect(sampleValue(none, 'sentinel_cluster_state', { context: 'prod', state: 'live' })).toBeUndefined();
    expect(sampleValue(none, 'sentinel_circuit_breaker_tripped', BREAKER)).toBeUndefined();
    const connecting = await scrape(
      metrics,
      sources({
        cluster: async () => ({
          ...BREAKER,
          state: 'connecting' as const,
          breakerStatus: null,
          breakerCordons: 0,
          breakerLimit: 0,
          cordonedNodes: 0,
        }),
      }),
    );
    expect(sampleValue(connecting, 'sentinel_cluster_state', { context: 'prod', state: 'connecting' })).toBe(1);
    expect(sampleValue(connecting, 'sentinel_circuit_breaker_tripped', BREAKER)).toBeUndefined();
    expect(sampleValue(connecting, 'sentinel_cluster_cordoned_nodes', { context: 'prod' })).toBeUndefined();
  });
});
