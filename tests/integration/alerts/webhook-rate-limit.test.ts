// A destination's rate and the engines' heartbeat on a real PostgreSQL. A burst of CONTACT_SUPPORT
// alerts to a destination taking 3 a minute reaches it as 3 messages and one summary of the rest,
// though two replicas send (the count is kept in the console database), and each held-back alert
// is in the delivery log as folded; nothing is dropped. The Alerts page's read says which
// replicas' engines run, and that one stopped.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { contactSupportAlert } from '@/lib/alerts/alert-detectors';
import { AlertEngine } from '@/lib/alerts/alert-engine';
import { raiseAlert } from '@/lib/alerts/alert-tables';
import { listAudit } from '@/lib/audit/audit-log';
import { readAlerts } from '@/lib/queries/alerts';

import { consoleAuthFixture, type ConsoleAuthFixture } from '../../support/console-auth-fixture';
import { until } from '../../support/until';
import { insertedEvent } from '../../unit/alerts/alert-fixtures';

const { runMutation } = await import('@/lib/actions/run-mutation');
const mutations = await import('@/lib/actions/alert-mutations');

/** A receiver on loopback recording each body. */
async function startReceiver() {
  const received: Record<string, unknown>[] = [];
  const server = http.createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      received.push(JSON.parse(text) as Record<string, unknown>);
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { received, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const noSource = { onHealthEventInserted: () => () => {}, onPipelineReading: () => () => {} };

describe("a destination's rate and the engines' heartbeat on PostgreSQL", () => {
  let console_: ConsoleAuthFixture;
  let otherPool: pg.Pool;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let engines: AlertEngine[] = [];
  const errors: string[] = [];

  const engineOn = (pool: pg.Pool, replica: string) => {
    const engine = new AlertEngine(pool, {
      window: async () => ({ seconds: 86_400, source: 'changelog' }),
      policy: { maxAttempts: 3, timeoutMs: 2_000, firstDelayMs: 100, maxDelayMs: 400 },
      pollMs: 50,
      // A 4-second "minute": the test sees the window end without waiting a minute.
      rateWindowMs: 4_000,
      replica,
      consoleUrl: 'https://console.example.com',
      onError: (error) => errors.push((error as Error).message),
    });
    engines.push(engine);
    return engine;
  };
  const logOf = async (destinationId: string) =>
    (await readAlerts(console_.context)).log.filter((row) => row.destinationId === destinationId);

  beforeAll(async () => {
    process.env.ALERT_WEBHOOK_ALLOWED_HOSTS = '127.0.0.1';
    process.env.ALERT_WEBHOOK_ALLOW_HTTP = 'true';
    console_ = await consoleAuthFixture();
    otherPool = new pg.Pool({ connectionString: console_.database.url, max: 3 });
    receiver = await startReceiver();
  }, 120_000);

  afterEach(async () => {
    await Promise.all(engines.map((engine) => engine.stop()));
    engines = [];
    expect(errors.splice(0)).toEqual([]);
    await console_.pool.query('DELETE FROM console_alert_destinations');
    receiver.received.length = 0;
  });

  afterAll(async () => {
    delete process.env.ALERT_WEBHOOK_ALLOWED_HOSTS;
    delete process.env.ALERT_WEBHOOK_ALLOW_HTTP;
    await receiver?.close();
    await otherPool?.end();
    await console_?.close();
  });

  it('refuses a rate out of range with a 400 naming maxPerMinute and one audit row', async () => {
    const headers = new Headers(console_.adminHeaders);
    headers.set('x-request-id', 'rate-refused');
    const result = await runMutation(
      console_.context,
      mutations.createAlertDestinationMutation,
      { name: 'flood', url: receiver.url, format: 'json', kinds: ['contact-support'], maxPerMinute: 0 },
      headers,
    );
    expect(result).toMatchObject({
      ok: false,
      status: 400,
      error: 'maxPerMinute must be a whole number of sends a minute from 1 to 600',
    });
    expect(await listAudit(console_.pool, { requestId: 'rate-refused' }, 10)).toHaveLength(1);
    expect((await readAlerts(console_.context)).destinations).toEqual([]);
  });

  it('sends 3 of a burst of 10 and folds the other 7 into one summary, across two replicas', async () => {
    const headers = new Headers(console_.adminHeaders);
    headers.set('x-request-id', 'rate-create');
    const created = await runMutation(
      console_.context,
      mutations.createAlertDestinationMutation,
      { name: 'channel', url: receiver.url, format: 'json', kinds: ['contact-support'], maxPerMinute: 3 },
      headers,
    );
    expect(created).toMatchObject({ ok: true });
    const [destination] = (await readAlerts(console_.context)).destinations;
    expect(destination.maxPerMinute).toBe(3);

    const replicas = [engineOn(console_.pool, 'replica-a'), engineOn(otherPool, 'replica-b')];
    for (let i = 0; i < 10; i++)
      await raiseAlert(
        console_.pool,
        contactSupportAlert(insertedEvent(`gpu-node-02${i}`, { recommendedAction: 'CONTACT_SUPPORT' }))!,
      );
    replicas.forEach((engine) => engine.start(noSource));

    await until(
      'the summary delivered',
      async () =>
        (await logOf(destination.id)).some((row) => row.alertKind === 'summary' && row.outcome === 'delivered'),
      30_000,
    );
    await Promise.all(replicas.map((engine) => engine.settled()));
    const log = await logOf(destination.id);
    expect(log.filter((row) => row.outcome === 'folded')).toHaveLength(7);
    expect(log.filter((row) => row.outcome === 'folded')[0].error).toBe(
      'over 3 sends a minute to this destination: carried by the next summary',
    );
    expect(log.filter((row) => row.alertKind === 'contact-support' && row.outcome === 'delivered')).toHaveLength(3);
    expect(receiver.received).toHaveLength(4);
    const summary = receiver.received.find((body) => body.kind === 'summary')!;
    expect(summary).toMatchObject({
      title: expect.stringMatching(/^And 7 more CONTACT_SUPPORT events in the last (minute|\d+ (s|min))/),
      details: expect.objectContaining({
        folded: 7,
        events: expect.stringMatching(/^https:\/\/console\.example\.com\/events\?action=CONTACT_SUPPORT&from=/),
      }),
    });
    // Every folded delivery was carried by that summary, none left waiting.
    const { rows } = await console_.pool.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM console_alert_deliveries GROUP BY status ORDER BY status`,
    );
    expect(rows).toEqual([
      { status: 'delivered', n: 4 },
      { status: 'summarized', n: 7 },
    ]);
  });

  it("says which replicas' engines run, and when one stopped", async () => {
    const engine = engineOn(console_.pool, 'replica-heartbeat');
    engine.start(noSource);
    const running = await until('the engine seen running', async () =>
      (await readAlerts(console_.context)).engines.find((row) => row.replica === 'replica-heartbeat' && row.running),
    );
    expect(running.stoppedAt).toBeNull();
    await engine.stop();
    engines = [];
    const stopped = (await readAlerts(console_.context)).engines.find((row) => row.replica === 'replica-heartbeat')!;
    expect(stopped).toMatchObject({ running: false, stoppedAt: expect.any(Number) });
  });
});
