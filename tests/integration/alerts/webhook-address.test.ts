// Where webhooks may go, on a real PostgreSQL: a destination whose address the policy refuses is
// not saved (a 400 naming the host and the setting to change, one audit row, nothing changed); a
// name that resolves to a refused address when an alert is sent is not posted to, and the log says
// why; the request goes to the address that was checked, and a redirect is never followed.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { contactSupportAlert } from '@/lib/alerts/alert-detectors';
import { AlertEngine } from '@/lib/alerts/alert-engine';
import { createDestination, raiseAlert } from '@/lib/alerts/alert-tables';
import { webhookAddressPolicyFromEnv, type ResolveHost } from '@/lib/alerts/webhook-address-policy';
import { listAudit } from '@/lib/audit/audit-log';
import { readAlerts } from '@/lib/queries/alerts';

import { consoleAuthFixture, type ConsoleAuthFixture } from '../../support/console-auth-fixture';
import { until } from '../../support/until';
import { insertedEvent } from '../../unit/alerts/alert-fixtures';

const { runMutation } = await import('@/lib/actions/run-mutation');
const mutations = await import('@/lib/actions/alert-mutations');

/** A receiver on loopback recording each request's path and Host; /moved answers a redirect to /elsewhere. */
async function startReceiver() {
  const received: { path: string; host: string }[] = [];
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received.push({ path: request.url ?? '', host: request.headers.host ?? '' });
      if (request.url === '/moved') {
        response.writeHead(307, { location: '/elsewhere' });
        response.end();
        return;
      }
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { received, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('the webhook address policy on PostgreSQL', () => {
  let console_: ConsoleAuthFixture;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let engine: AlertEngine | undefined;
  let requests = 0;

  const change = async (mutation: Parameters<typeof runMutation>[1], input: unknown) => {
    const headers = new Headers(console_.adminHeaders);
    const requestId = `address-${(requests += 1)}`;
    headers.set('x-request-id', requestId);
    const result = await runMutation(console_.context, mutation, input, headers);
    return { result, rows: await listAudit(console_.pool, { requestId }, 10) };
  };
  const destinations = async () => (await readAlerts(console_.context)).destinations;
  const logOf = async (destinationId: string) =>
    (await readAlerts(console_.context)).log.filter((row) => row.destinationId === destinationId);
  /** An engine whose resolver answers from `table` (the test's DNS). */
  const engineWith = (table: Record<string, string>) => {
    const resolveHost: ResolveHost = async (host) => [{ address: table[host], family: 4 }];
    engine = new AlertEngine(console_.pool, {
      window: async () => ({ seconds: 86_400, source: 'changelog' }),
      policy: { maxAttempts: 3, timeoutMs: 2_000, firstDelayMs: 100, maxDelayMs: 400 },
      addressPolicy: webhookAddressPolicyFromEnv({
        ALERT_WEBHOOK_ALLOWED_HOSTS: 'hooks.allowed.test',
        ALERT_WEBHOOK_ALLOW_HTTP: 'true',
      }),
      resolveHost,
      pollMs: 50,
    });
    return engine;
  };
  /** A CONTACT_SUPPORT alert raised for every destination that takes it, and sent. */
  const raiseOne = async (node: string) => {
    await raiseAlert(
      console_.pool,
      contactSupportAlert(insertedEvent(node, { recommendedAction: 'CONTACT_SUPPORT' }))!,
    );
    engine!.sendDue();
  };

  beforeAll(async () => {
    // The defaults: https to public addresses only.
    delete process.env.ALERT_WEBHOOK_ALLOWED_HOSTS;
    delete process.env.ALERT_WEBHOOK_ALLOW_HTTP;
    console_ = await consoleAuthFixture();
    receiver = await startReceiver();
  }, 120_000);

  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
    await console_.pool.query('DELETE FROM console_alert_destinations');
    receiver.received.length = 0;
  });

  afterAll(async () => {
    await receiver?.close();
    await console_?.close();
  });

  it('refuses to save the metadata service, loopback or plain http: a 400 naming the host and setting, one audit row each, nothing stored', async () => {
    const refusals = [
      [
        'https://169.254.169.254/latest/meta-data/',
        "url's host 169.254.169.254 is the cloud metadata service (169.254.169.254/32): refused even inside an allowed network or behind an allowed name; only the address itself in ALERT_WEBHOOK_ALLOWED_HOSTS allows it",
      ],
      ['https://[::ffff:169.254.169.254]/', "url's host ::ffff:a9fe:a9fe is the cloud metadata service"],
      [
        'https://2130706433:8080/hook',
        "url's host 127.0.0.1 is a loopback address (127.0.0.0/8): webhooks go to public addresses only; add the host or its network to ALERT_WEBHOOK_ALLOWED_HOSTS to allow it",
      ],
      [
        'http://hooks.slack.com/services/T0/B0/x',
        'url must use https: plain http to hooks.slack.com is refused (ALERT_WEBHOOK_ALLOW_HTTP=true allows it)',
      ],
    ];
    for (const [url, error] of refusals) {
      const { result, rows } = await change(mutations.createAlertDestinationMutation, {
        name: 'sneaky',
        url,
        format: 'json',
        kinds: ['contact-support'],
      });
      expect(result).toMatchObject({
        ok: false,
        outcome: 'invalid',
        status: 400,
        error: expect.stringContaining(error),
      });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        action: 'alerts.destination.create',
        outcome: 'invalid',
        detail: result.ok ? null : result.error,
      });
    }
    expect(await destinations()).toEqual([]);
  });

  it('refuses to change a saved destination to a refused address, keeping it as it was', async () => {
    const saved = await createDestination(console_.pool, {
      name: 'public',
      url: 'https://hooks.example.net/x',
      format: 'json',
      kinds: ['contact-support'],
      enabled: true,
    });
    const { result, rows } = await change(mutations.updateAlertDestinationMutation, {
      id: saved.id,
      url: 'https://10.1.2.3/hook',
    });
    expect(result).toMatchObject({
      ok: false,
      status: 400,
      error: expect.stringMatching(/^url's host 10\.1\.2\.3 is a private address \(10\.0\.0\.0\/8\)/),
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'alerts.destination.update', outcome: 'invalid' });
    expect((await destinations())[0].urlShown).toBe('https://hooks.example.net/x');
  });

  it('does not post to a name that resolves to a refused address when sent, and logs why, once', async () => {
    // Saved while the name pointed somewhere allowed; it now points at the metadata service.
    const rebound = await createDestination(console_.pool, {
      name: 'rebound',
      url: `http://hooks.allowed.test:${receiver.port}/hook`,
      format: 'json',
      kinds: ['contact-support'],
      enabled: true,
    });
    engineWith({ 'hooks.allowed.test': '169.254.169.254' }).start({
      onHealthEventInserted: () => () => {},
      onPipelineReading: () => () => {},
    });
    await raiseOne('gpu-node-0101');
    await until('logged', async () => (await logOf(rebound.id)).length > 0);
    await engine!.settled();
    expect(await logOf(rebound.id)).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        attempt: 1,
        statusCode: null,
        error: expect.stringMatching(
          /^refused: url's host hooks\.allowed\.test resolves to 169\.254\.169\.254, the cloud metadata service/,
        ),
      }),
    ]);
    expect(receiver.received).toEqual([]);
  });

  it('connects to the address it checked (the test resolver, not the system DNS), and does not follow a redirect', async () => {
    const pinned = await createDestination(console_.pool, {
      name: 'pinned',
      url: `http://hooks.allowed.test:${receiver.port}/moved`,
      format: 'json',
      kinds: ['contact-support'],
      enabled: true,
    });
    engineWith({ 'hooks.allowed.test': '127.0.0.1' }).start({
      onHealthEventInserted: () => () => {},
      onPipelineReading: () => () => {},
    });
    await raiseOne('gpu-node-0102');
    await until('logged', async () => (await logOf(pinned.id)).length > 0);
    await engine!.settled();
    // hooks.allowed.test has no DNS record: only the pinned address could have reached the receiver.
    expect(receiver.received).toEqual([{ path: '/moved', host: `hooks.allowed.test:${receiver.port}` }]);
    expect(await logOf(pinned.id)).toEqual([expect.objectContaining({ outcome: 'failed', statusCode: 307 })]);
  });
});
