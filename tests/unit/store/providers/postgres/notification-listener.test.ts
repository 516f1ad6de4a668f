// The LISTEN connection as the feed sees it, against a stand-in for pg.Client whose server the test
// controls (away, back, dropping the connection, refusing LISTEN while a standby is still in
// recovery) and fake timers for the backoff: it says it is connected only once it listens; it keeps
// trying while the server is away or refuses LISTEN, waiting longer each time; an error pg reports
// while still connecting ends that attempt at once; an old connection's late events leave the new
// one alone; once stopped it never connects again. (Written to kill the mutants the real-PostgreSQL
// wake-up test could not reach: they need the server to misbehave on cue.) The stand-in behaves as
// pg does: a refused connect rejects and then emits 'end'; end() closes an open connection and
// emits 'end' once.
import { EventEmitter } from 'node:events';

import type pg from 'pg';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { CHANGE_CHANNEL, NotificationListener } from '@/lib/store/providers/postgres/feed/notification-listener';

vi.mock('pg', () => ({
  default: {
    Client: class {
      constructor(config: pg.ClientConfig) {
        return openClient(config);
      }
    },
  },
}));

/** What the stand-in server does with the next connection and LISTEN. */
const server = {
  accepting: true,
  /** A hot standby accepts connections but refuses LISTEN until it is promoted. */
  listenRefused: false,
  /** Keep LISTEN's answer back until the test calls answerListen(). */
  holdListen: false,
  /**
   * The client cannot answer the server's password challenge (an MD5 hash where FIPS forbids MD5):
   * pg emits 'error' at once but settles connect() only at connectionTimeoutMillis (10 s).
   */
  cannotAuthenticate: false,
};

class FakeClient extends EventEmitter {
  /** Fake-clock time the listener opened this client. */
  readonly openedAt = Date.now();
  constructor(readonly config: pg.ClientConfig) {
    super();
  }
  open = false;
  listening = false;
  private closed = false;
  private listenAnswer?: () => void;
  private connectTimer?: NodeJS.Timeout;

  async connect(): Promise<void> {
    await Promise.resolve();
    if (!server.accepting) {
      this.close();
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    }
    if (server.cannotAuthenticate) {
      this.emit('error', new Error('Digest method not supported'));
      // As pg: connect() settles at the timeout, or never once end() closed the connection.
      await new Promise<void>((_, reject) => {
        this.connectTimer = setTimeout(() => {
          this.close();
          reject(new Error('Connection terminated due to connection timeout'));
        }, 10_000);
      });
    }
    this.open = true;
  }

  async query(text: string): Promise<void> {
    expect(text).toBe(`LISTEN ${CHANGE_CHANNEL}`);
    if (server.holdListen) await new Promise<void>((resolve) => (this.listenAnswer = resolve));
    else await Promise.resolve();
    if (server.listenRefused) throw new Error('cannot execute LISTEN during recovery');
    this.listening = true;
  }

  async end(): Promise<void> {
    this.close();
  }

  /** The LISTEN held back by server.holdListen is answered. */
  answerListen(): void {
    this.listenAnswer!();
  }

  /** The server goes away under an open connection: pg reports an error, then the end. */
  drop(): void {
    this.emit('error', new Error('Connection terminated unexpectedly'));
    this.close();
  }

  /** A notification on the channel, delivered only to a connection that listens. */
  notify(): void {
    if (this.listening && !this.closed) this.emit('notification', { channel: CHANGE_CHANNEL });
  }

  get ended(): boolean {
    return this.closed;
  }

  private close(): void {
    if (this.closed) return;
    clearTimeout(this.connectTimer);
    this.closed = true;
    this.open = false;
    this.listening = false;
    queueMicrotask(() => this.emit('end'));
  }
}

let clients: FakeClient[] = [];

function openClient(config: pg.ClientConfig): FakeClient {
  const client = new FakeClient(config);
  clients.push(client);
  return client;
}

/** A started listener and what it told the feed: connection changes, and how often it woke it. */
function startListener() {
  const seen = { changes: [] as boolean[], wakes: 0 };
  const listener = new NotificationListener(
    'postgres://feed@db/nvsentinel',
    () => seen.wakes++,
    (connected) => seen.changes.push(connected),
  );
  listener.start();
  return { listener, seen };
}

/** Lets the fake clock move `ms`, running every timer and promise due meanwhile. */
const elapse = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

const last = () => clients.at(-1)!;

beforeEach(() => {
  vi.useFakeTimers();
  clients = [];
  Object.assign(server, { accepting: true, listenRefused: false, holdListen: false, cannotAuthenticate: false });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('NotificationListener', () => {
  it('says it is connected only once it listens, and then wakes the feed for what it missed and on each notification', async () => {
    server.holdListen = true;
    const { listener, seen } = startListener();
    expect(listener.connected).toBe(false);
    await elapse();
    expect(last().open).toBe(true);
    expect(listener.connected).toBe(false);
    expect(seen).toEqual({ changes: [], wakes: 0 });

    last().answerListen();
    await elapse();
    expect(listener.connected).toBe(true);
    expect(seen).toEqual({ changes: [true], wakes: 1 });
    last().notify();
    expect(seen.wakes).toBe(2);
    await listener.stop();
  });

  it("connects with the feed's address and TLS, TCP keepalive (a server gone without closing the connection is noticed) and a 10 s connect timeout", async () => {
    const ssl = { rejectUnauthorized: true, ca: 'the CA NVSentinel mounts' };
    const listener = new NotificationListener('postgres://feed@db/nvsentinel', () => {}, undefined, ssl);
    listener.start();
    await elapse();
    expect(clients[0].config).toEqual({
      connectionString: 'postgres://feed@db/nvsentinel',
      ssl,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    expect(listener.connected).toBe(true);
    await listener.stop();
  });

  it('started while the server is away: reports no lost connection it never had, keeps trying, connects once the server is back', async () => {
    server.accepting = false;
    const { listener, seen } = startListener();
    await elapse(1_000);
    expect(clients.length).toBeGreaterThan(1);
    expect(listener.connected).toBe(false);
    expect(seen.changes).toEqual([]);

    server.accepting = true;
    await elapse(5_000);
    expect(listener.connected).toBe(true);
    expect(seen.changes).toEqual([true]);
    expect(last().listening).toBe(true);
    expect(clients.filter((client) => !client.ended)).toEqual([last()]);
    await listener.stop();
  });

  it('a server that accepts but refuses LISTEN (a standby still in recovery): it closes that connection and tries again until LISTEN works', async () => {
    server.listenRefused = true;
    const { listener, seen } = startListener();
    await elapse();
    const refused = clients[0];
    expect(refused.ended).toBe(true);
    await elapse(1_000);
    expect(clients.length).toBeGreaterThan(2);
    expect(clients.every((client) => client.ended)).toBe(true);
    expect(seen.changes).toEqual([]);

    server.listenRefused = false;
    await elapse(5_000);
    expect(listener.connected).toBe(true);
    expect(seen.changes).toEqual([true]);
    expect(last().listening).toBe(true);
    await listener.stop();
  });

  it('an error while still connecting (pg emits it before connect() settles): gives that attempt up at once, not after the 10 s timeout', async () => {
    server.cannotAuthenticate = true;
    const { listener, seen } = startListener();
    await elapse();
    expect(clients[0].ended).toBe(true);
    await elapse(100);
    expect(clients).toHaveLength(2);

    server.cannotAuthenticate = false;
    await elapse(200);
    expect(clients).toHaveLength(3);
    expect(listener.connected).toBe(true);
    expect(seen.changes).toEqual([true]);
    await listener.stop();
  });

  it('waits longer after each failed attempt: 100 ms, doubling, at most 5 s', async () => {
    server.accepting = false;
    const started = Date.now();
    startListener();
    await elapse(20_000);
    const at = clients.map((client) => client.openedAt - started);
    expect(at).toEqual([0, 100, 300, 700, 1_500, 3_100, 6_300, 11_300, 16_300]);
  });

  it('after a connection that worked, the next loss is retried after 100 ms again', async () => {
    server.accepting = false;
    const { listener, seen } = startListener();
    await elapse(700); // attempts at 0, 100, 300 and 700 ms: the next wait would be 800 ms
    server.accepting = true;
    await elapse(800);
    expect(listener.connected).toBe(true);

    const attempts = clients.length;
    last().drop();
    await elapse(99);
    expect(listener.connected).toBe(false);
    expect(clients).toHaveLength(attempts);
    await elapse(1);
    expect(clients).toHaveLength(attempts + 1);
    await elapse();
    expect(listener.connected).toBe(true);
    expect(seen.changes).toEqual([true, false, true]);
    await listener.stop();
  });

  it("an old connection's late error or end leaves the new connection alone and schedules no second reconnect", async () => {
    const { listener, seen } = startListener();
    await elapse();
    const old = clients[0];
    old.drop(); // 'error' now, 'end' just after: one loss, one reconnect
    await elapse(100);
    await elapse();
    expect(clients).toHaveLength(2);
    expect(listener.connected).toBe(true);

    old.emit('error', new Error('read ECONNRESET'));
    old.emit('end');
    await elapse(60_000);
    expect(clients).toHaveLength(2);
    expect(clients[1].ended).toBe(false);
    expect(listener.connected).toBe(true);
    expect(seen.changes).toEqual([true, false, true]);
    clients[1].notify();
    expect(seen.wakes).toBe(3); // on each connect, and the notification
    await listener.stop();
  });

  it('stopped while waiting to reconnect: never connects again', async () => {
    const { listener, seen } = startListener();
    await elapse();
    server.accepting = false;
    last().drop();
    await elapse(50);
    await listener.stop();
    server.accepting = true;
    await elapse(60_000);
    expect(clients).toHaveLength(1);
    expect(listener.connected).toBe(false);
    expect(seen.changes).toEqual([true, false]);
  });

  it('once stopped it stays stopped: a start() after stop() opens no connection', async () => {
    const { listener, seen } = startListener();
    await elapse();
    await listener.stop();
    listener.start();
    await elapse(60_000);
    expect(clients).toHaveLength(1);
    expect(clients[0].ended).toBe(true);
    expect(seen).toEqual({ changes: [true], wakes: 1 });
  });

  it("stopped while LISTEN's answer is on its way: closes that connection, never says it is connected nor wakes the feed", async () => {
    server.holdListen = true;
    const { listener, seen } = startListener();
    await elapse();
    const client = last();
    client.answerListen(); // the answer has arrived; the listener has not seen it yet
    await listener.stop();
    await elapse(60_000);
    expect(client.ended).toBe(true);
    expect(clients).toHaveLength(1);
    expect(listener.connected).toBe(false);
    expect(seen).toEqual({ changes: [], wakes: 0 });
  });
});
