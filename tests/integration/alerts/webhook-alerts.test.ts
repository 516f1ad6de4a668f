// Webhook alerts on a real PostgreSQL, sent to a receiver on loopback: admins configure them
// through the one write path (run-mutation.ts: one audit row per attempt, a 400 naming the field);
// a CONTACT_SUPPORT event and a consumer at risk each reach the receiver once, even with two
// replicas judging the same feed and readings; a failed delivery is tried again with a growing wait
// and logged per attempt; an answer that will not change fails at once; a muted destination gets a
// log line and no request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { contactSupportAlert } from '@/lib/alerts/alert-detectors';
import { AlertEngine, type AlertSource } from '@/lib/alerts/alert-engine';
import { claimDueDeliveries, raiseAlert, settleAttempt } from '@/lib/alerts/alert-tables';
import { listAudit } from '@/lib/audit/audit-log';
import type { PipelineMessage } from '@/lib/live/live-messages';
import { readAlerts } from '@/lib/queries/alerts';
import type { ChangeEvent } from '@/lib/store';

import { APP, consoleAuthFixture, type ConsoleAuthFixture } from '../../support/console-auth-fixture';
import { until } from '../../support/until';
import { consumerReading, insertedEvent, reading } from '../../unit/alerts/alert-fixtures';

const { runMutation } = await import('@/lib/actions/run-mutation');
const mutations = await import('@/lib/actions/alert-mutations');
const { createUserMutation } = await import('@/lib/actions/user-mutations');

interface Received {
  path: string;
  body: Record<string, unknown>;
}

/** A webhook receiver on 127.0.0.1: records each POST and answers the next queued status (200 when none). */
async function startReceiver() {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server = http.createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      received.push({ path: request.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
      response.statusCode = statuses.shift() ?? 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return { received, statuses, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** What the live hub would hand the engine, driven by the test. */
function fakeHub() {
  const inserted = new Set<(change: ChangeEvent) => void>();
  const readings = new Set<(reading: PipelineMessage) => void>();
  const source: AlertSource = {
    onHealthEventInserted: (listener) => (inserted.add(listener), () => inserted.delete(listener)),
    onPipelineReading: (listener) => (readings.add(listener), () => readings.delete(listener)),
  };
  return { source, inserted, readings };
}

const WEEK = 7 * 86_400;
const policy = { maxAttempts: 3, timeoutMs: 2_000, firstDelayMs: 100, maxDelayMs: 400 };

describe('webhook alerts on PostgreSQL', () => {
  let console_: ConsoleAuthFixture;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  /** A second replica's pool on the same console database. */
  let otherPool: pg.Pool;
  let engines: AlertEngine[] = [];
  /** What the engines reported: none expected. */
  const errors: string[] = [];
  let requests = 0;

  const change = async (mutation: Parameters<typeof runMutation>[1], input: unknown) => {
    const headers = new Headers(console_.adminHeaders);
    const requestId = `alerts-${(requests += 1)}`;
    headers.set('x-request-id', requestId);
    const result = await runMutation(console_.context, mutation, input, headers);
    return { result, rows: await listAudit(console_.pool, { requestId }, 10) };
  };
  const addDestination = async (name: string, path: string, fields: Record<string, unknown> = {}) => {
    const { result } = await change(mutations.createAlertDestinationMutation, {
      name,
      url: receiver.url(path),
      format: 'json',
      kinds: ['contact-support', 'event-loss'],
      ...fields,
    });
    expect(result).toMatchObject({ ok: true });
    return (await readAlerts(console_.context)).destinations.find((destination) => destination.name === name)!;
  };
  /** Two replicas' engines, each listening to its own hub. */
  const twoReplicas = () => {
    const hubs = [fakeHub(), fakeHub()];
    engines = [console_.pool, otherPool].map(
      (pool) =>
        new AlertEngine(pool, {
          window: async () => ({ seconds: WEEK, source: 'changelog' }),
          policy,
          pollMs: 50,
          onError: (error) => errors.push((error as Error).message),
        }),
    );
    engines.forEach((engine, index) => engine.start(hubs[index].source));
    return hubs;
  };
  const logOf = async (destinationId: string) =>
    (await readAlerts(console_.context)).log.filter((row) => row.destinationId === destinationId);

  beforeAll(async () => {
    // The receiver is plain http on loopback, which the address policy refuses unless allowed.
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
    // A condition one test turned on must not hold back (or quiet) another's.
    await console_.pool.query('DELETE FROM console_alert_conditions');
    receiver.received.length = 0;
    receiver.statuses.length = 0;
  });

  afterAll(async () => {
    delete process.env.ALERT_WEBHOOK_ALLOWED_HOSTS;
    delete process.env.ALERT_WEBHOOK_ALLOW_HTTP;
    await receiver?.close();
    await otherPool?.end();
    await console_?.close();
  });

  it('refuses an operator (403), with one audit row, and keeps the destinations and log from anyone but admins', async () => {
    const password = 'olga-a-long-chosen-password';
    expect(
      await runMutation(
        console_.context,
        createUserMutation,
        { username: 'olga', password, role: 'operator' },
        console_.adminHeaders,
      ),
    ).toMatchObject({ ok: true });
    const signedIn = await console_.signIn('olga', password);
    const cookie = signedIn.headers
      .getSetCookie()
      .find((line) => line.startsWith('sentinel-console.session_token='))!
      .split(';')[0];
    const headers = new Headers({ cookie, origin: APP, host: 'localhost:3000', 'x-request-id': 'alerts-operator' });
    const result = await runMutation(
      console_.context,
      mutations.createAlertDestinationMutation,
      { name: 'mine', url: receiver.url('/x'), format: 'json', kinds: ['event-loss'] },
      headers,
    );
    expect(result).toEqual({
      ok: false,
      outcome: 'denied',
      status: 403,
      error: 'your role (operator) may not do this',
    });
    expect(await listAudit(console_.pool, { requestId: 'alerts-operator' }, 10)).toHaveLength(1);
    const { GET } = await import('@/app/api/alerts/route');
    expect((await GET(new Request(`${APP}/api/alerts`, { headers }))).status).toBe(403);
    expect((await GET(new Request(`${APP}/api/alerts`, { headers: console_.adminHeaders }))).status).toBe(200);
    expect((await readAlerts(console_.context)).destinations).toEqual([]);
  });

  it('refuses a URL that is not http or https with a 400 naming url, one audit row, nothing stored', async () => {
    const { result, rows } = await change(mutations.createAlertDestinationMutation, {
      name: 'files',
      url: 'ftp://127.0.0.1/hook',
      format: 'json',
      kinds: ['contact-support'],
    });
    expect(result).toEqual({
      ok: false,
      outcome: 'invalid',
      status: 400,
      error: 'url must use http or https (got ftp): the console only posts alerts over HTTP',
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'alerts.destination.create',
      outcome: 'invalid',
      target: 'alert-destination/files',
    });
    expect((await readAlerts(console_.context)).destinations).toEqual([]);
  });

  it('audits a destination with its URL cut short, and a test send reaches the receiver', async () => {
    const { result, rows } = await change(mutations.createAlertDestinationMutation, {
      name: 'on-call',
      url: receiver.url('/services/T000/B000/very-secret-token'),
      format: 'slack',
      kinds: ['contact-support'],
    });
    expect(result).toMatchObject({ ok: true });
    expect(JSON.stringify(rows[0].stateAfter)).not.toContain('very-secret-token');
    const [destination] = (await readAlerts(console_.context)).destinations;
    const test = await change(mutations.testAlertDestinationMutation, { id: destination.id });
    expect(test.result).toMatchObject({ ok: true });
    expect(test.rows).toHaveLength(1);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].body).toMatchObject({
      text: expect.stringContaining('[test] Test alert from Sentinel Console'),
      blocks: expect.any(Array),
    });
    expect(await logOf(destination.id)).toEqual([
      expect.objectContaining({ alertKind: 'test', outcome: 'delivered', statusCode: 200, attempt: 1 }),
    ]);
  });

  it('sends a CONTACT_SUPPORT event once, though two replicas see it', async () => {
    const destination = await addDestination('pager', '/pager');
    const hubs = twoReplicas();
    const event = insertedEvent('gpu-node-0042', {
      recommendedAction: 'CONTACT_SUPPORT',
      checkName: 'GpuInforomWatch',
    });
    for (const hub of hubs) for (const listener of hub.inserted) listener(event);
    // Other events raise nothing.
    for (const listener of hubs[0].inserted) listener(insertedEvent('gpu-node-0043'));
    await until('the alert delivered', async () =>
      (await logOf(destination.id)).some((row) => row.outcome === 'delivered'),
    );
    await Promise.all(engines.map((engine) => engine.settled()));
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({
      path: '/pager',
      body: {
        source: 'sentinel-console',
        kind: 'contact-support',
        subject: 'gpu-node-0042',
        occurrenceKey: `contact-support:${event.recordId}`,
        title: 'CONTACT_SUPPORT on gpu-node-0042',
        details: expect.objectContaining({ node: 'gpu-node-0042', check: 'GpuInforomWatch' }),
        test: false,
      },
    });
  });

  it('sends one lag alert when a consumer turns at risk, not again while it stays so', async () => {
    const destination = await addDestination('lag', '/lag');
    expect((await change(mutations.setAlertSettingsMutation, { eventLossWithin: '2h' })).result).toMatchObject({
      ok: true,
    });
    twoReplicas();
    const now = Date.now();
    const atRisk = reading(now, [
      consumerReading({
        consumer: 'node-drainer',
        status: 'stalled',
        documentsBehind: 40,
        // Its oldest unread change leaves the week-long changelog in an hour.
        oldestUnreadAt: now - (WEEK - 3_600) * 1000,
      }),
      consumerReading({ consumer: 'fault-quarantine' }),
    ]);
    for (let round = 0; round < 3; round += 1)
      await Promise.all(engines.map((engine) => engine.judge({ ...atRisk, at: atRisk.at + round })));
    await until('the lag alert delivered', async () =>
      (await logOf(destination.id)).some((row) => row.outcome === 'delivered'),
    );
    await Promise.all(engines.map((engine) => engine.settled()));
    expect(receiver.received.map((request) => request.body.kind)).toEqual(['event-loss']);
    expect(receiver.received[0].body).toMatchObject({
      subject: 'node-drainer',
      title: expect.stringMatching(/^node-drainer will lose events in (1 h|59 min \d+ s)$/),
      details: expect.objectContaining({ documentsBehind: 40, secondsUntilLost: expect.any(Number) }),
    });
  });

  it('tries a failed delivery again, logging each attempt, and gives up at once on a 404', async () => {
    const flaky = await addDestination('flaky', '/flaky', { kinds: ['contact-support'] });
    twoReplicas();
    receiver.statuses.push(503, 500);
    await engines[0].eventInserted(insertedEvent('gpu-node-0050', { recommendedAction: 'CONTACT_SUPPORT' }));
    await until('delivered on the third attempt', async () =>
      (await logOf(flaky.id)).some((row) => row.outcome === 'delivered'),
    );
    const attempts = (await logOf(flaky.id)).reverse();
    expect(attempts.map((row) => [row.attempt, row.outcome, row.statusCode])).toEqual([
      [1, 'retrying', 503],
      [2, 'retrying', 500],
      [3, 'delivered', 200],
    ]);
    // The second wait (200 ms) is longer than the first (100 ms).
    expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(150);
    expect(receiver.received).toHaveLength(3);

    receiver.received.length = 0;
    receiver.statuses.push(404);
    await engines[0].eventInserted(insertedEvent('gpu-node-0051', { recommendedAction: 'CONTACT_SUPPORT' }));
    await until('failed', async () => (await logOf(flaky.id)).some((row) => row.outcome === 'failed'));
    await Promise.all(engines.map((engine) => engine.settled()));
    expect(receiver.received).toHaveLength(1);
    expect((await logOf(flaky.id))[0]).toMatchObject({ outcome: 'failed', statusCode: 404, attempt: 1 });
  });

  it('logs a connection refused as an error, and a muted destination gets a log line, not a request', async () => {
    const quiet = await addDestination('quiet', '/quiet', { kinds: ['contact-support'] });
    const until_ = new Date(Date.now() + 3_600_000).toISOString();
    const muted = await change(mutations.muteAlertDestinationMutation, { id: quiet.id, until: until_ });
    expect(muted.result).toMatchObject({ ok: true });
    expect(muted.rows).toHaveLength(1);
    twoReplicas();
    await engines[0].eventInserted(insertedEvent('gpu-node-0060', { recommendedAction: 'CONTACT_SUPPORT' }));
    await Promise.all(engines.map((engine) => engine.settled()));
    expect(receiver.received).toEqual([]);
    expect(await logOf(quiet.id)).toEqual([expect.objectContaining({ outcome: 'muted', attempt: 0 })]);

    const closed = await addDestination('closed', '/x', { url: 'http://127.0.0.1:9/hook', kinds: ['contact-support'] });
    await engines[0].eventInserted(insertedEvent('gpu-node-0061', { recommendedAction: 'CONTACT_SUPPORT' }));
    await until('attempted', async () => (await logOf(closed.id)).length > 0);
    // The oldest line is attempt 1 (later attempts may have landed already on a busy machine).
    expect((await logOf(closed.id)).at(-1)).toMatchObject({
      attempt: 1,
      outcome: 'retrying',
      statusCode: null,
      error: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('counts an attempt when claimed: sends whose outcome was lost end, and a late settle changes nothing', async () => {
    const lossy = await addDestination('lossy', '/lossy', { kinds: ['contact-support'] });
    const alert = contactSupportAlert(insertedEvent('gpu-node-0070', { recommendedAction: 'CONTACT_SUPPORT' }))!;
    expect(await raiseAlert(console_.pool, alert)).not.toBeNull();
    // Three replicas each claim it, send, and die before settling: the claim runs out each time.
    const claims = [];
    for (let round = 0; round < policy.maxAttempts; round += 1) {
      const [claimed] = await claimDueDeliveries(console_.pool, 10, 1);
      claims.push(claimed);
      await console_.pool.query("UPDATE console_alert_deliveries SET claimed_until = NOW() - INTERVAL '1 second'");
    }
    expect(claims.map((claimed) => claimed.attempt)).toEqual([1, 2, 3]);
    // A settle arriving late, from a claim that ran out, changes nothing.
    const ok = { statusCode: 200, error: null, durationMs: 5 } as const;
    expect(await settleAttempt(console_.pool, claims[0], ok, { kind: 'delivered' })).toBe(false);
    expect(await logOf(lossy.id)).toEqual([]);
    // The next replica gives up rather than sending a fourth time.
    twoReplicas();
    await until('failed', async () => (await logOf(lossy.id)).some((row) => row.outcome === 'failed'));
    await Promise.all(engines.map((engine) => engine.settled()));
    expect(receiver.received).toEqual([]);
    expect(await logOf(lossy.id)).toEqual([
      expect.objectContaining({ outcome: 'failed', attempt: 4, error: expect.stringMatching(/^gave up/) }),
    ]);
  });

  it('does not send a due delivery to a destination disabled since the alert was raised', async () => {
    const later = await addDestination('later', '/later', { kinds: ['contact-support'] });
    const alert = contactSupportAlert(insertedEvent('gpu-node-0071', { recommendedAction: 'CONTACT_SUPPORT' }))!;
    expect(await raiseAlert(console_.pool, alert)).not.toBeNull();
    await console_.pool.query('UPDATE console_alert_destinations SET enabled = false WHERE id = $1', [later.id]);
    twoReplicas();
    await until('logged', async () => (await logOf(later.id)).length > 0);
    await Promise.all(engines.map((engine) => engine.settled()));
    expect(receiver.received).toEqual([]);
    expect(await logOf(later.id)).toEqual([
      expect.objectContaining({ outcome: 'muted', error: 'not sent: the destination is disabled' }),
    ]);
  });

  it('raises a condition at the next reading when storing its alert failed', async () => {
    const destination = await addDestination('retry-raise', '/retry-raise', { kinds: ['event-loss'] });
    expect((await change(mutations.setAlertSettingsMutation, { eventLossWithin: '2h' })).result).toMatchObject({
      ok: true,
    });
    twoReplicas();
    const now = Date.now();
    const atRisk = reading(now, [
      consumerReading({
        consumer: 'health-events-analyzer',
        documentsBehind: 40,
        oldestUnreadAt: now - (WEEK - 3_600) * 1000,
      }),
    ]);
    await console_.pool.query(`
      CREATE FUNCTION refuse_alert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
      CREATE TRIGGER refuse_alert BEFORE INSERT ON console_alerts FOR EACH ROW EXECUTE FUNCTION refuse_alert();`);
    try {
      await engines[0].judge(atRisk);
    } finally {
      await console_.pool.query('DROP TRIGGER refuse_alert ON console_alerts; DROP FUNCTION refuse_alert();');
    }
    expect(errors.splice(0)).toEqual([expect.stringContaining('disk full')]);
    const { rows } = await console_.pool.query(
      "SELECT active FROM console_alert_conditions WHERE kind = 'event-loss' AND subject = 'health-events-analyzer'",
    );
    expect(rows.map((row: { active: boolean }) => row.active)).not.toContain(true);
    await engines[0].judge({ ...atRisk, at: atRisk.at + 1 });
    await until('the lag alert delivered', async () =>
      (await logOf(destination.id)).some((row) => row.outcome === 'delivered'),
    );
    expect(receiver.received.map((request) => request.body.subject)).toEqual(['health-events-analyzer']);
  });

  it('stores a burst of CONTACT_SUPPORT alerts two at a time, and does not send an event an hour old', async () => {
    const pool = new pg.Pool({ connectionString: console_.database.url, max: 20 });
    let held = 0;
    let most = 0;
    pool.on('acquire', () => (most = Math.max(most, (held += 1))));
    pool.on('release', () => (held -= 1));
    const notices: string[] = [];
    const engine = new AlertEngine(pool, {
      window: async () => ({ seconds: WEEK, source: 'changelog' }),
      policy,
      pollMs: 60_000,
      onError: (error) => errors.push((error as Error).message),
      onNotice: (message) => notices.push(message),
    });
    try {
      const burst = Array.from({ length: 12 }, (_, index) =>
        insertedEvent(`gpu-node-09${String(index).padStart(2, '0')}`, { recommendedAction: 'CONTACT_SUPPORT' }),
      );
      await Promise.all(burst.map((event) => engine.eventInserted(event)));
      const stored = await console_.pool.query(
        "SELECT count(*)::int AS n FROM console_alerts WHERE subject LIKE 'gpu-node-09%'",
      );
      expect(stored.rows[0].n).toBe(12);
      // Two raises and at most one look for due deliveries at a time.
      expect(most).toBeLessThanOrEqual(3);

      const old = insertedEvent('gpu-node-0999', { recommendedAction: 'CONTACT_SUPPORT' });
      await engine.eventInserted({ ...old, committedAt: new Date(Date.now() - 2 * 3_600_000) });
      const none = await console_.pool.query(
        "SELECT count(*)::int AS n FROM console_alerts WHERE subject = 'gpu-node-0999'",
      );
      expect(none.rows[0].n).toBe(0);
      expect(notices).toEqual([
        expect.stringMatching(/^1 CONTACT_SUPPORT event committed more than 60 min ago not sent/),
      ]);
    } finally {
      await engine.stop();
      await pool.end();
    }
  });

  it('judges stalled consumers when the window cannot be had, telling why once', async () => {
    const destination = await addDestination('stalls', '/stalls', { kinds: ['consumer-stalled', 'event-loss'] });
    const engine = new AlertEngine(console_.pool, {
      window: async () => {
        throw new Error('CHANGELOG_RETENTION must be a duration of at least a minute (got "soon")');
      },
      policy,
      pollMs: 50,
      onError: (error) => errors.push((error as Error).message),
    });
    engines = [engine];
    engine.start(fakeHub().source);
    const now = Date.now();
    const stalled = reading(now, [
      consumerReading({
        consumer: 'fault-remediation',
        status: 'stalled',
        statusReason: 'no progress',
        documentsBehind: 5,
      }),
    ]);
    await engine.judge(stalled);
    await engine.judge({ ...stalled, at: stalled.at + 1 });
    await until('the stall alert delivered', async () =>
      (await logOf(destination.id)).some((row) => row.outcome === 'delivered'),
    );
    expect(receiver.received.map((request) => request.body.kind)).toEqual(['consumer-stalled']);
    expect(errors.splice(0)).toEqual([expect.stringMatching(/^event-loss alerts are off .*CHANGELOG_RETENTION/)]);
  });
});
