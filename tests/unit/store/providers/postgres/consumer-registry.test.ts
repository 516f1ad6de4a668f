// The PostgreSQL consumer registry (lib/store/providers/postgres/feed/postgres-consumer-registry.ts)
// over two recording stand-ins for PostgresConnection, NVSentinel's database and the console's,
// whose answers the test writes by hand: each query is told apart by its operation name and SQL
// text, recorded with its parameters, and answered from the test's table (a query no test expects
// fails the test). What is checked is the registry's own logic: the changelog order detected once
// and again after a failure, what register/restart/savePosition write and where (the console's
// row, or resume_tokens in our format or NVSentinel's), the refusals made before any query, the
// errors of loadPosition, and lag(): its figures, the readings and late-row searches it passes to
// NVSentinel's readers' count, how many consumers it reads at once. The SQL itself runs in the
// integration suites (postgres-store, postgres-consumer-lag-many, feed-checkpoint).
import { describe, expect, it, vi } from 'vitest';

import { StoreError } from '@/lib/store/errors/store-error';
import { ValidationError } from '@/lib/store/errors/validation-error';
import type { StartPosition } from '@/lib/store/feed/change-feed';
import { EPOCH_TEXT, type StoredToken } from '@/lib/store/providers/postgres/feed/changelog-order';
import type { IdOrderState } from '@/lib/store/providers/postgres/feed/id-order';
import {
  DOCUMENTS_BEHIND_CAP,
  PostgresConsumerRegistry,
} from '@/lib/store/providers/postgres/feed/postgres-consumer-registry';
import type { PostgresConnection } from '@/lib/store/providers/postgres/postgres-connection';

interface Call {
  kind: string;
  operation: string;
  text: string;
  params: unknown[];
}
type Answer = (call: Call) => object[] | Promise<object[]>;

/** Which of the registry's queries a call is: by its operation name, then its SQL. */
function kindOf(operation: string, text: string): string {
  const has = (part: string) => text.includes(part);
  switch (operation) {
    case 'feed.order':
      return 'order';
    case 'feed.head':
      return 'head';
    case 'feed.holdBack':
      return 'holdBack';
    case 'consumers.list':
      return 'names';
    case 'consumers.register':
      return has('INSERT INTO console_consumers') ? 'register' : 'unexpected';
    case 'consumers.restart':
      return has('SET position_lost_at = NULL, position_lost_reason = NULL') ? 'restart' : 'unexpected';
    case 'consumers.markLost':
      return has('position_lost_at') ? 'markLost' : 'unexpected';
    case 'consumers.heartbeat':
      return has('last_seen_at') ? 'heartbeat' : 'unexpected';
    case 'consumers.loadPosition':
      if (has('FROM console_consumers WHERE client_name = $1')) return 'consumer';
      if (has('FROM resume_tokens WHERE client_name = $1')) return 'token';
      if (has('FROM datastore_changelog WHERE id = $1::bigint')) return 'cursorTime';
      return 'unexpected';
    case 'consumers.savePosition':
      if (has('FROM datastore_changelog WHERE id <= $1 ORDER BY id DESC LIMIT 1')) return 'rowTime';
      if (has('INSERT INTO resume_tokens') || has('UPDATE console_consumers SET resume_token = $2')) return 'saveToken';
      return 'unexpected';
    case 'consumers.lag':
      if (has('clock_timestamp()')) return 'lagHead';
      if (has('FROM pg_sequence')) return 'sequence';
      if (has('searched_through')) return 'nvsentinelBehind';
      if (has('WITH counted AS')) return 'ourBehind';
      if (has('SELECT client_name, resume_token, last_updated FROM resume_tokens')) return 'lagTokens';
      if (has('FROM console_consumers')) return 'lagConsumers';
      return 'unexpected';
    case 'feed.read':
      if (has('position_lost_at IS NOT NULL')) return 'lost';
      if (has('console_changelog_retention')) return 'removed';
      return 'unexpected';
    default:
      return 'unexpected';
  }
}

/** A PostgresConnection that records every query and answers it from `answers` (by kind; [] when none). */
function standIn(answers: Record<string, Answer>) {
  const calls: Call[] = [];
  const connection = {
    query: async (operation: string, statement: string | { text: string }, params?: unknown[]) => {
      const text = typeof statement === 'string' ? statement : statement.text;
      const call: Call = { kind: kindOf(operation, text), operation, text, params: params ?? [] };
      calls.push(call);
      if (call.kind === 'unexpected') throw new Error(`unexpected query (${operation}): ${text.slice(0, 80)}`);
      const rows = await (answers[call.kind] ?? (() => []))(call);
      return { rows, rowCount: rows.length };
    },
  } as unknown as PostgresConnection;
  return { connection, calls, of: (kind: string) => calls.filter((call) => call.kind === kind) };
}

const ID_ORDER = () => [{ txid: false, cache: '1' }];
const COMMIT_ORDER = () => [{ txid: true, cache: null }];

/** A registry over two stand-ins; the datastore answers id order, an empty head and an uncached sequence unless told. */
function setUp(datastoreAnswers: Record<string, Answer> = {}, consoleAnswers: Record<string, Answer> = {}) {
  const datastore = standIn({
    order: ID_ORDER,
    lagHead: () => [{ changed_at: null, id: null, read_at: '2024-05-01T10:00:00.000000Z' }],
    sequence: () => [{ cache: '1' }],
    ...datastoreAnswers,
  });
  const consoleDb = standIn(consoleAnswers);
  return { registry: new PostgresConsumerRegistry(datastore.connection, consoleDb.connection), datastore, consoleDb };
}

/** Answers each call with the next of `answers` (the last one again once they run out); an Error is thrown. */
function inTurn(...answers: (object[] | Error)[]): Answer {
  let next = 0;
  return () => {
    const answer = answers[Math.min(next, answers.length - 1)];
    next += 1;
    if (answer instanceof Error) throw answer;
    return answer;
  };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

const savedToken = (call: Call): unknown => JSON.parse(call.params[1] as string);

const consoleRow = (name: string, fields: object = {}) => ({
  client_name: name,
  resume_token: null,
  position_store: 'console',
  last_updated: null,
  last_seen_at: null,
  position_lost_at: null,
  position_lost_reason: null,
  ...fields,
});

const HEAD_TEXT = '2024-05-01T10:00:00.123456Z';
const TOKEN_TIME = '2024-05-01T09:58:00.000001Z';
const HEAD_AT = new Date('2024-05-01T10:00:00Z');
const ACKED_AT = new Date('2024-05-01T09:59:00Z');

/** What the NVSentinel readers' count answers: nothing behind, a snapshot with no transaction in progress. */
const behindRow = (fields: object = {}) => ({
  n: '0',
  late: [] as string[],
  last_id: null,
  max_id: '100',
  first_at: null,
  xmin: '10',
  xmax: '10',
  ...fields,
});

/** A datastore answering lag(): the head at HEAD_AT (id 100), the given resume_tokens rows. */
const lagAnswers = (tokens: object[], fields: Record<string, Answer> = {}): Record<string, Answer> => {
  let reading = 0;
  return {
    lagHead: () => {
      reading += 1;
      return [{ changed_at: HEAD_AT, id: '100', read_at: `2024-05-01T10:00:0${reading}.000000Z` }];
    },
    lagTokens: () => tokens,
    nvsentinelBehind: () => [behindRow()],
    ...fields,
  };
};

const nvsentinelToken = (name: string, token: StoredToken = { timestamp: TOKEN_TIME, eventID: 40 }) => ({
  client_name: name,
  resume_token: token,
  last_updated: ACKED_AT,
});

describe('PostgreSQL consumer registry: the changelog order', () => {
  it('a failed detection is not kept: the call rejects, the next one detects again and the answer is then kept', async () => {
    const failure = new Error('connection reset');
    const { registry, datastore } = setUp({ order: inTurn(failure, ID_ORDER()) });
    await expect(registry.changelogOrder()).rejects.toBe(failure);
    expect((await registry.changelogOrder()).kind).toBe('id');
    expect((await registry.changelogOrder()).kind).toBe('id');
    expect(datastore.of('order')).toHaveLength(2);
  });

  it('a changelog with the opt-in txid column is walked in commit order, detected once', async () => {
    const { registry, datastore } = setUp({ order: inTurn(new Error('timeout'), COMMIT_ORDER()) });
    await expect(registry.changelogOrder()).rejects.toThrow('timeout');
    const [first, second] = await Promise.all([registry.changelogOrder(), registry.changelogOrder()]);
    expect(first.kind).toBe('commit');
    expect(second).toBe(first);
    expect(datastore.of('order')).toHaveLength(2);
  });
});

describe('PostgreSQL consumer registry: register and restart', () => {
  it('refuses a bad consumer name, start or position store before any query', async () => {
    const { registry, datastore, consoleDb } = setUp();
    await expect(registry.register('Bad Name!')).rejects.toBeInstanceOf(ValidationError);
    await expect(registry.register('dashboard', 'later' as StartPosition)).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/startAt: must be/),
    });
    await expect(registry.register('dashboard', 'later' as StartPosition)).rejects.toBeInstanceOf(StoreError);
    await expect(registry.register('dashboard', 'now', 'elsewhere' as unknown as 'console')).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/positionStore: must be/),
    });
    await expect(registry.restart('Bad Name!', 'now')).rejects.toBeInstanceOf(ValidationError);
    await expect(registry.loadPosition('Bad Name!')).rejects.toBeInstanceOf(ValidationError);
    expect(datastore.calls).toEqual([]);
    expect(consoleDb.calls).toEqual([]);
  });

  it('registering at "now" stores the head as the token in the console row, only if it has none', async () => {
    const { registry, datastore, consoleDb } = setUp({
      head: () => [{ top: '42', changed_at: HEAD_TEXT, gaps: null }],
    });
    await registry.register('dashboard', 'now');
    expect(consoleDb.calls.map((call) => call.kind)).toEqual(['consumer', 'register', 'saveToken']);
    expect(consoleDb.of('consumer')[0].params).toEqual(['dashboard']);
    expect(consoleDb.of('register')[0].params).toEqual(['dashboard', 'console']);
    const [save] = consoleDb.of('saveToken');
    expect(save.params[0]).toBe('dashboard');
    expect(save.text).toContain('AND resume_token IS NULL');
    expect(savedToken(save)).toEqual({ timestamp: HEAD_TEXT, eventID: 42, top: '42' });
    expect(datastore.of('token')[0].params).toEqual(['dashboard']);
    expect(datastore.of('head')).toHaveLength(1);
    expect(datastore.of('saveToken')).toEqual([]);
  });

  it('registering at "now" keeps the ids the head did not see as gaps, and an empty changelog starts at the epoch', async () => {
    const gaps = setUp({ head: () => [{ top: '42', changed_at: HEAD_TEXT, gaps: '38-39' }] });
    await gaps.registry.register('dashboard', 'now');
    expect(savedToken(gaps.consoleDb.of('saveToken')[0])).toEqual({
      timestamp: HEAD_TEXT,
      eventID: 37,
      top: '42',
      gaps: '38-39',
    });
    const empty = setUp({ head: () => [{ top: null, changed_at: null, gaps: null }] });
    await empty.registry.register('dashboard', 'now');
    expect(savedToken(empty.consoleDb.of('saveToken')[0])).toEqual({ timestamp: EPOCH_TEXT, eventID: 0, top: '0' });
  });

  it('registering at "beginning" (the default) reads no head and stores the epoch token', async () => {
    const { registry, datastore, consoleDb } = setUp();
    await registry.register('dashboard');
    expect(datastore.of('head')).toEqual([]);
    expect(consoleDb.of('register')[0].params).toEqual(['dashboard', 'console']);
    expect(savedToken(consoleDb.of('saveToken')[0])).toEqual({ timestamp: EPOCH_TEXT, eventID: 0, top: '0' });
  });

  it('a consumer that keeps its position in resume_tokens gets our token there, written only if none is', async () => {
    const { registry, datastore, consoleDb } = setUp();
    await registry.register('twin', 'beginning', 'nvsentinel');
    expect(consoleDb.of('register')[0].params).toEqual(['twin', 'nvsentinel']);
    expect(consoleDb.of('saveToken')).toEqual([]);
    const [save] = datastore.of('saveToken');
    expect(save.params[0]).toBe('twin');
    expect(save.text).toContain('ON CONFLICT (client_name) DO NOTHING');
    expect(savedToken(save)).toEqual({ timestamp: EPOCH_TEXT, eventID: 0, top: '0' });
  });

  it("a consumer in NVSentinel's own format gets only its two fields, the time of the row at its eventID", async () => {
    const { registry, datastore, consoleDb } = setUp({
      head: () => [{ top: '42', changed_at: HEAD_TEXT, gaps: null }],
      rowTime: () => [{ changed_at: '2024-05-01T09:59:59.999999Z' }],
    });
    await registry.register('twin', 'now', 'nvsentinel-legacy');
    expect(consoleDb.of('register')[0].params).toEqual(['twin', 'nvsentinel-legacy']);
    expect(datastore.of('rowTime')[0].params).toEqual([42]);
    expect(savedToken(datastore.of('saveToken')[0])).toEqual({ timestamp: '2024-05-01T09:59:59.999999Z', eventID: 42 });
  });

  it('registering again is a no-op once the console row has a token or keeps its position in resume_tokens', async () => {
    for (const row of [
      consoleRow('dashboard', { resume_token: { timestamp: TOKEN_TIME, eventID: 3, top: '3' } }),
      consoleRow('dashboard', { position_store: 'nvsentinel' }),
      consoleRow('dashboard', { position_store: 'nvsentinel-legacy' }),
    ]) {
      const { registry, datastore, consoleDb } = setUp({}, { consumer: () => [row] });
      await registry.register('dashboard', 'now');
      expect(consoleDb.calls.map((call) => call.kind)).toEqual(['consumer']);
      expect(datastore.calls).toEqual([]);
    }
  });

  it('a console row without a token yet is registered again (its token written)', async () => {
    const { registry, consoleDb } = setUp({}, { consumer: () => [consoleRow('dashboard')] });
    await registry.register('dashboard');
    expect(consoleDb.calls.map((call) => call.kind)).toEqual(['consumer', 'register', 'saveToken']);
  });

  it("refuses a console consumer named like one of NVSentinel's own, whose token is in resume_tokens", async () => {
    const { registry, datastore, consoleDb } = setUp({
      token: () => [{ resume_token: { timestamp: TOKEN_TIME, eventID: 7 } }],
    });
    await expect(registry.register('fault-quarantine')).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringContaining(`consumer "fault-quarantine" is one of NVSentinel's own`),
    });
    expect(consoleDb.calls.map((call) => call.kind)).toEqual(['consumer']);
    expect(datastore.calls.map((call) => call.kind)).toEqual(['token']);
  });

  it('a name whose resume_tokens token is ours (top or txid) registers as keeping its position there, nothing written', async () => {
    for (const token of [
      { timestamp: TOKEN_TIME, eventID: 7, top: '7' },
      { timestamp: TOKEN_TIME, eventID: 7, txid: '900' },
    ]) {
      const { registry, datastore, consoleDb } = setUp({ token: () => [{ resume_token: token }] });
      await registry.register('old-dashboard', 'now');
      expect(consoleDb.calls.map((call) => call.kind)).toEqual(['consumer', 'register']);
      expect(consoleDb.of('register')[0].params).toEqual(['old-dashboard', 'nvsentinel']);
      expect(datastore.calls.map((call) => call.kind)).toEqual(['token']);
    }
  });

  it('a twin asking for a resume_tokens store may take an NVSentinel name: its store is kept, nothing written', async () => {
    for (const store of ['nvsentinel', 'nvsentinel-legacy'] as const) {
      const { registry, datastore, consoleDb } = setUp({
        token: () => [{ resume_token: { timestamp: TOKEN_TIME, eventID: 7 } }],
      });
      await registry.register('fault-quarantine', 'beginning', store);
      expect(consoleDb.of('register')[0].params).toEqual(['fault-quarantine', store]);
      expect(consoleDb.of('saveToken')).toEqual([]);
      expect(datastore.of('saveToken')).toEqual([]);
    }
  });

  it('restart at "now" overwrites the console token with the head and then clears the lost mark', async () => {
    const { registry, datastore, consoleDb } = setUp(
      { head: () => [{ top: '42', changed_at: HEAD_TEXT, gaps: null }] },
      { consumer: () => [consoleRow('dashboard', { position_lost_at: ACKED_AT })] },
    );
    await registry.restart('dashboard', 'now');
    expect(consoleDb.calls.map((call) => call.kind)).toEqual(['consumer', 'saveToken', 'restart']);
    const [save] = consoleDb.of('saveToken');
    expect(save.text).not.toContain('AND resume_token IS NULL');
    expect(savedToken(save)).toEqual({ timestamp: HEAD_TEXT, eventID: 42, top: '42' });
    expect(consoleDb.of('restart')[0].params).toEqual(['dashboard']);
    expect(datastore.of('saveToken')).toEqual([]);
  });

  it('restart at "beginning" reads no head and stores the epoch token', async () => {
    const { registry, datastore, consoleDb } = setUp({}, { consumer: () => [consoleRow('dashboard')] });
    await registry.restart('dashboard', 'beginning');
    expect(datastore.of('head')).toEqual([]);
    expect(savedToken(consoleDb.of('saveToken')[0])).toEqual({ timestamp: EPOCH_TEXT, eventID: 0, top: '0' });
    expect(consoleDb.of('restart')[0].params).toEqual(['dashboard']);
  });
});

describe('PostgreSQL consumer registry: positions', () => {
  const state: IdOrderState = { top: 50n, gaps: [{ from: 43n, to: 45n }] };

  it('saving the position of an NVSentinel-format consumer stores its two fields, the time of the row at or below its eventID', async () => {
    const { registry, datastore } = setUp(
      { rowTime: () => [{ changed_at: '2024-05-01T09:59:00.000007Z' }] },
      { consumer: () => [consoleRow('twin', { position_store: 'nvsentinel-legacy' })] },
    );
    await registry.savePosition('twin', state, HEAD_TEXT);
    expect(datastore.of('rowTime')[0].params).toEqual([42]);
    const [save] = datastore.of('saveToken');
    expect(save.params[0]).toBe('twin');
    expect(save.text).toContain('DO UPDATE SET resume_token = EXCLUDED.resume_token');
    expect(savedToken(save)).toEqual({ timestamp: '2024-05-01T09:59:00.000007Z', eventID: 42 });
  });

  it("with no changelog row at or below its eventID, the legacy token keeps the position's own time", async () => {
    const { registry, datastore } = setUp(
      {},
      { consumer: () => [consoleRow('twin', { position_store: 'nvsentinel-legacy' })] },
    );
    await registry.savePosition('twin', state, HEAD_TEXT);
    expect(savedToken(datastore.of('saveToken')[0])).toEqual({ timestamp: HEAD_TEXT, eventID: 42 });
  });

  it("a consumer's store is looked up once; a console consumer's position goes to its console row with the gaps", async () => {
    const { registry, datastore, consoleDb } = setUp({}, { consumer: () => [consoleRow('dashboard')] });
    await registry.savePosition('dashboard', state, HEAD_TEXT);
    await registry.savePosition('dashboard', { top: 51n, gaps: [] }, HEAD_TEXT);
    expect(consoleDb.of('consumer')).toHaveLength(1);
    expect(consoleDb.of('saveToken').map(savedToken)).toEqual([
      { timestamp: HEAD_TEXT, eventID: 42, top: '50', gaps: '43-45' },
      { timestamp: HEAD_TEXT, eventID: 51, top: '51' },
    ]);
    expect(datastore.of('saveToken')).toEqual([]);
  });

  it('loading an unknown consumer says to register it first', async () => {
    const { registry } = setUp();
    await expect(registry.loadPosition('dashboard')).rejects.toMatchObject({
      code: 'unknown-consumer',
      message: expect.stringContaining('register it first'),
    });
  });

  it('loading a console row without a token yet is an unknown consumer too', async () => {
    const { registry, datastore } = setUp({}, { consumer: () => [consoleRow('dashboard')] });
    await expect(registry.loadPosition('dashboard')).rejects.toMatchObject({ code: 'unknown-consumer' });
    expect(datastore.of('token')).toEqual([]);
  });

  it('loading a consumer marked lost fails with position-lost, naming the time and the reason', async () => {
    const lostAt = new Date('2024-05-01T08:00:00Z');
    const { registry, datastore } = setUp(
      {},
      {
        consumer: () => [
          consoleRow('dashboard', {
            resume_token: { timestamp: TOKEN_TIME, eventID: 3, top: '3' },
            position_lost_at: lostAt,
            position_lost_reason: 'rows up to 90 were removed',
          }),
        ],
      },
    );
    const error = await registry.loadPosition('dashboard').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'position-lost' });
    expect((error as Error).message).toContain('rows up to 90 were removed');
    expect((error as Error).message).toContain(lostAt.toISOString());
    expect((error as Error).message).toContain('consumer "dashboard"');
    expect(datastore.calls).toEqual([]);
  });

  it("loads a console consumer's token from its row, with the token's time", async () => {
    const { registry, datastore } = setUp(
      {},
      {
        consumer: () => [
          consoleRow('dashboard', { resume_token: { timestamp: TOKEN_TIME, eventID: 40, top: '42', gaps: '41' } }),
        ],
      },
    );
    expect(await registry.loadPosition('dashboard')).toEqual({
      state: { top: 42n, gaps: [{ from: 41n, to: 41n }] },
      changedAt: new Date(TOKEN_TIME),
    });
    expect(datastore.calls.map((call) => call.kind)).toEqual(['order']);
  });

  it('loads a consumer without a console row from resume_tokens; a token without a time has none', async () => {
    const { registry, datastore } = setUp({ token: () => [{ resume_token: { eventID: 9, top: '9' } }] });
    expect(await registry.loadPosition('old-dashboard')).toEqual({ state: { top: 9n, gaps: [] }, changedAt: null });
    expect(datastore.of('token')[0].params).toEqual(['old-dashboard']);
  });

  it('assertNotLost passes while the consumer is not marked, and names the default reason when none was given', async () => {
    const lostAt = new Date('2024-05-01T08:00:00Z');
    const { registry, consoleDb } = setUp(
      {},
      { lost: inTurn([], [{ lost_at: lostAt, lost_reason: null }], [{ lost_at: lostAt, lost_reason: 'gone' }]) },
    );
    await expect(registry.assertNotLost('dashboard')).resolves.toBeUndefined();
    await expect(registry.assertNotLost('dashboard')).rejects.toMatchObject({
      code: 'position-lost',
      message: expect.stringContaining('changelog rows it had not read were removed'),
    });
    await expect(registry.assertNotLost('dashboard')).rejects.toThrow(/lost its position at .*: gone; restart it/);
    expect(consoleDb.of('lost')[0].params).toEqual(['dashboard']);
  });
});

describe('PostgreSQL consumer registry: names, retention marks, heartbeats', () => {
  it('names are those of resume_tokens and of the console, each once, sorted', async () => {
    const { registry } = setUp(
      { names: () => [{ name: 'b' }, { name: 'a' }] },
      { names: () => [{ name: 'a' }, { name: 'c' }] },
    );
    expect(await registry.names()).toEqual(['a', 'b', 'c']);
  });

  it('removedThrough is undefined until retention ran, then its "<txid>/<id>"', async () => {
    const { registry } = setUp({}, { removed: inTurn([], [{ through: '900/77' }]) });
    expect(await registry.removedThrough()).toBeUndefined();
    expect(await registry.removedThrough()).toBe('900/77');
  });

  it('markLost writes nothing for no names, else every name with the reason', async () => {
    const { registry, consoleDb } = setUp();
    await registry.markLost([], 'why');
    expect(consoleDb.calls).toEqual([]);
    await registry.markLost(['a', 'b'], 'rows removed');
    expect(consoleDb.of('markLost')[0].params).toEqual([['a', 'b'], 'rows removed']);
  });

  it('a heartbeat names its consumer', async () => {
    const { registry, consoleDb } = setUp();
    await registry.heartbeat('dashboard');
    expect(consoleDb.of('heartbeat')[0].params).toEqual(['dashboard']);
  });
});

describe('PostgreSQL consumer registry: lag of NVSentinel-format tokens', () => {
  it('passes the head readings taken so far when ids are drawn in time order (sequence cache 1)', async () => {
    const { registry, datastore } = setUp(lagAnswers([nvsentinelToken('fault-quarantine')]));
    await registry.lag();
    await registry.lag();
    const [first, second] = datastore.of('nvsentinelBehind');
    expect(first.params.slice(0, 5)).toEqual([
      TOKEN_TIME,
      '40',
      'health_events',
      ['2024-05-01T10:00:01.000000Z'],
      ['100'],
    ]);
    expect(second.params[3]).toEqual(['2024-05-01T10:00:01.000000Z', '2024-05-01T10:00:02.000000Z']);
    expect(second.params[4]).toEqual(['100', '100']);
    expect(datastore.of('sequence')).toHaveLength(1);
  });

  it('passes no readings and no late search unless the sequence is known to cache at most 1 id (a cache of 20, 2, null or no sequence row)', async () => {
    for (const sequence of [[{ cache: '20' }], [{ cache: '2' }], [{ cache: null }], []]) {
      const { registry, datastore } = setUp({
        ...lagAnswers([nvsentinelToken('fault-quarantine')], {
          nvsentinelBehind: () => [behindRow({ late: ['38'], xmin: '30', xmax: '20' })],
        }),
        order: COMMIT_ORDER,
        sequence: () => sequence,
      });
      await registry.lag();
      await registry.lag();
      for (const call of datastore.of('nvsentinelBehind')) expect(call.params.slice(3)).toEqual([[], [], '0', []]);
    }
  });

  it('a sequence cache of 0 also counts as ids in time order', async () => {
    const { registry, datastore } = setUp({
      ...lagAnswers([nvsentinelToken('fault-quarantine')]),
      sequence: () => [{ cache: '0' }],
    });
    await registry.lag();
    expect(datastore.of('nvsentinelBehind')[0].params[4]).toEqual(['100']);
  });

  it('a failed sequence lookup fails that lag() and is tried again on the next one, then kept', async () => {
    const failure = new Error('sequence read failed');
    const { registry, datastore } = setUp({
      ...lagAnswers([nvsentinelToken('fault-quarantine')]),
      sequence: inTurn(failure, [{ cache: '1' }]),
    });
    await expect(registry.lag()).rejects.toBe(failure);
    expect(await registry.lag()).toHaveLength(1);
    await registry.lag();
    expect(datastore.of('sequence')).toHaveLength(2);
  });

  it('with no row in the changelog, no head reading is kept', async () => {
    const { registry, datastore } = setUp({
      ...lagAnswers([nvsentinelToken('fault-quarantine')]),
      lagHead: () => [{ changed_at: null, id: null, read_at: '2024-05-01T10:00:01.000000Z' }],
    });
    const [figures] = await registry.lag();
    expect(datastore.of('nvsentinelBehind')[0].params.slice(3, 5)).toEqual([[], []]);
    expect(figures).toMatchObject({ headTime: null, lagSeconds: 0 });
  });

  it('keeps at most 256 readings: past them the older half is thinned to every other one', async () => {
    let reading = 0;
    const { registry, datastore } = setUp({
      ...lagAnswers([nvsentinelToken('fault-quarantine')]),
      lagHead: () => {
        reading += 1;
        return [{ changed_at: HEAD_AT, id: String(reading), read_at: new Date(reading * 1000).toISOString() }];
      },
    });
    for (let i = 0; i < 258; i += 1) await registry.lag();
    const behind = datastore.of('nvsentinelBehind');
    const ids = (n: number) => behind[n - 1].params[4] as string[];
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
    expect(ids(256)).toEqual(range(1, 256));
    const thinned = [...range(1, 129).filter((_, index) => index % 2 === 1), ...range(130, 257)];
    expect(ids(257)).toEqual(thinned);
    expect(ids(258)).toEqual([...thinned, '258']);
    expect((behind[257].params[3] as string[]).at(-1)).toBe(new Date(258_000).toISOString());
  });

  it('figures of a caught-up NVSentinel reader: 0 s and 0 behind, its position, time and last ack', async () => {
    const { registry } = setUp(
      lagAnswers([nvsentinelToken('fault-quarantine')], {
        nvsentinelBehind: () => [behindRow({ first_at: new Date('2024-05-01T09:00:00Z') })],
      }),
    );
    expect(await registry.lag()).toEqual([
      {
        consumer: 'fault-quarantine',
        position: `${TOKEN_TIME}/40`,
        positionTime: new Date(TOKEN_TIME),
        headTime: HEAD_AT,
        lagSeconds: 0,
        documentsBehind: 0,
        documentsBehindCapped: false,
        documentsBehindEstimated: false,
        positionKnown: true,
        positionLost: null,
        lastAckAt: ACKED_AT,
        lastSeenAt: null,
      },
    ]);
  });

  it("lag seconds are the head time minus the oldest unread row's, never negative; ahead and late rows both count", async () => {
    const cases: [object, number | null, number][] = [
      [{ n: '2', late: ['38'], first_at: new Date(HEAD_AT.getTime() - 90_500) }, 90.5, 3],
      [{ n: '1', first_at: new Date(HEAD_AT.getTime() + 5_000) }, 0, 1],
      [{ n: '1', first_at: null }, 0, 1],
    ];
    for (const [row, lagSeconds, documentsBehind] of cases) {
      const { registry } = setUp(
        lagAnswers([nvsentinelToken('fault-quarantine')], { nvsentinelBehind: () => [behindRow(row)] }),
      );
      const [figures] = await registry.lag();
      expect(figures).toMatchObject({ lagSeconds, documentsBehind, documentsBehindEstimated: false });
    }
  });

  it('behind with no head time: 0 s', async () => {
    const { registry } = setUp({
      ...lagAnswers([nvsentinelToken('fault-quarantine')], {
        nvsentinelBehind: () => [behindRow({ n: '4', first_at: new Date('2024-05-01T09:00:00Z') })],
      }),
      lagHead: () => [{ changed_at: null, id: '100', read_at: '2024-05-01T10:00:01.000000Z' }],
    });
    expect((await registry.lag())[0]).toMatchObject({ lagSeconds: 0, documentsBehind: 4 });
  });

  it("an epoch token has no position time; an ID-only token takes its row's time for the count but has none", async () => {
    const { registry, datastore } = setUp(
      lagAnswers(
        [
          nvsentinelToken('at-epoch', { timestamp: EPOCH_TEXT, eventID: 0 }),
          nvsentinelToken('id-only', { eventID: 40 }),
        ],
        { cursorTime: () => [{ changed_at: TOKEN_TIME }] },
      ),
    );
    const figures = await registry.lag();
    expect(figures.map((figure) => [figure.consumer, figure.positionTime, figure.position])).toEqual([
      ['at-epoch', null, `${EPOCH_TEXT}/0`],
      ['id-only', null, `${TOKEN_TIME}/40`],
    ]);
    expect(datastore.of('cursorTime')[0].params).toEqual(['40']);
  });

  it('exactly the cap is a count; past it the rows above the last counted are added as an estimate', async () => {
    const cap = DOCUMENTS_BEHIND_CAP;
    const lateIds = Array.from({ length: cap + 1 }, (_, i) => String(i + 1));
    const cases: [object, number, boolean][] = [
      [{ n: String(cap) }, cap, false],
      [{ late: lateIds.slice(0, cap) }, cap, false],
      [{ n: String(cap + 1), last_id: '1041', max_id: '1100' }, cap + 1 + 59, true],
      [{ n: String(cap + 1), last_id: null, max_id: '1100' }, cap + 1, true],
      [{ n: String(cap + 1), last_id: '1041', max_id: null }, cap + 1, true],
      [{ n: String(cap + 1), last_id: '1200', max_id: '1100' }, cap + 1, true],
      // The late part ends below the token's own row (eventID 2000): ids 1002..1999 not counted.
      [{ late: lateIds }, cap + 1 + 998, true],
      [{ n: String(cap + 1), last_id: '1041', max_id: '1100', late: lateIds }, 2 * (cap + 1) + 59 + 998, true],
      [{ n: '3', late: lateIds }, 3 + cap + 1 + 998, true],
      // Each part is estimated only when it went past the cap itself.
      [{ n: String(cap), last_id: '1041', max_id: '1100', late: lateIds }, cap + cap + 1 + 998, true],
      [{ n: String(cap + 1), last_id: '1041', max_id: '1100', late: lateIds.slice(0, cap) }, cap + 1 + cap + 59, true],
    ];
    for (const [row, documentsBehind, documentsBehindEstimated] of cases) {
      const { registry } = setUp(
        lagAnswers([nvsentinelToken('fault-quarantine', { timestamp: TOKEN_TIME, eventID: 2000 })], {
          nvsentinelBehind: () => [behindRow({ first_at: new Date(HEAD_AT.getTime() - 2_000), ...row })],
        }),
      );
      const [figures] = await registry.lag();
      expect(figures).toMatchObject({ documentsBehind, documentsBehindEstimated, lagSeconds: 2 });
    }
  });

  it("a late search settles only once a later search's xmin reached the first search's xmax; then it is passed on", async () => {
    const { registry, datastore } = setUp(
      lagAnswers([nvsentinelToken('fault-quarantine')], {
        nvsentinelBehind: inTurn(
          [behindRow({ late: ['38'], xmin: '10', xmax: '20' })],
          // Its own xmax is lower than the first's, and its xmin below the first's xmax: not settled.
          [behindRow({ late: ['38'], xmin: '18', xmax: '19' })],
          [behindRow({ late: ['37', '38'], xmin: '20', xmax: '25' })],
          [behindRow({ late: ['36'], xmin: '40', xmax: '40' })],
        ),
      }),
    );
    for (let i = 0; i < 5; i += 1) await registry.lag();
    const searched = datastore.of('nvsentinelBehind').map((call) => call.params.slice(5));
    expect(searched).toEqual([
      ['0', []],
      ['0', []],
      ['0', []],
      ['40', ['37', '38']],
      ['40', ['37', '38']],
    ]);
  });

  // The second search's xmin (30) reaches the first's xmax (20): its rows settle the search only
  // when they are all of them (at most the cap), and the third search then looks at those alone.
  it.each([
    { found: DOCUMENTS_BEHIND_CAP, settled: true },
    { found: DOCUMENTS_BEHIND_CAP + 1, settled: false },
  ])('a late search finding $found rows settles: $settled', async ({ found, settled }) => {
    const lateIds = Array.from({ length: found }, (_, i) => String(i + 1));
    let searches = 0;
    const { registry, datastore } = setUp(
      lagAnswers([nvsentinelToken('fault-quarantine', { timestamp: TOKEN_TIME, eventID: 2000 })], {
        nvsentinelBehind: () => {
          searches += 1;
          return [
            behindRow({ late: lateIds, ...(searches === 1 ? { xmin: '10', xmax: '20' } : { xmin: '30', xmax: '40' }) }),
          ];
        },
      }),
    );
    for (let i = 0; i < 3; i += 1) await registry.lag();
    expect(datastore.of('nvsentinelBehind')[1].params.slice(5)).toEqual(['0', []]);
    expect(datastore.of('nvsentinelBehind')[2].params.slice(5)).toEqual(settled ? ['2000', lateIds] : ['0', []]);
  });

  it('searches are kept per token (time and eventID) and forgotten once no consumer holds the token', async () => {
    const first = { timestamp: TOKEN_TIME, eventID: 40 };
    const sameIdOtherTime = { timestamp: '2024-05-01T09:58:30.000000Z', eventID: 40 };
    let tokens = [nvsentinelToken('a', first), nvsentinelToken('b', sameIdOtherTime)];
    let searchesOfA = 0;
    const { registry, datastore } = setUp(
      lagAnswers([], {
        lagTokens: () => tokens,
        // Each search of a's token sees the transactions of the one before it ended (its xmin
        // reaches the previous xmax); b's never does.
        nvsentinelBehind: (call) => {
          if (call.params[0] !== TOKEN_TIME) return [behindRow({ xmin: '1', xmax: '2' })];
          searchesOfA += 1;
          return [behindRow({ late: ['39'], xmin: String(10 * searchesOfA), xmax: String(10 * searchesOfA + 5) })];
        },
      }),
    );
    const searchedBy = () =>
      datastore
        .of('nvsentinelBehind')
        .slice(-tokens.length)
        .map((call) => [call.params[0], ...call.params.slice(5)]);
    for (let i = 0; i < 3; i += 1) await registry.lag();
    expect(searchedBy()).toEqual([
      [TOKEN_TIME, '40', ['39']],
      ['2024-05-01T09:58:30.000000Z', '0', []],
    ]);
    // a moves on: its search is forgotten; when its token is held again it is searched afresh.
    tokens = [nvsentinelToken('a', { timestamp: TOKEN_TIME, eventID: 41 }), nvsentinelToken('b', sameIdOtherTime)];
    await registry.lag();
    expect(searchedBy()[0]).toEqual([TOKEN_TIME, '0', []]);
    tokens = [nvsentinelToken('a', first), nvsentinelToken('b', sameIdOtherTime)];
    await registry.lag();
    expect(searchedBy()).toEqual([
      [TOKEN_TIME, '0', []],
      ['2024-05-01T09:58:30.000000Z', '0', []],
    ]);
  });
});

describe("PostgreSQL consumer registry: lag of the console's consumers", () => {
  it('one figure per name of either database, sorted; console rows read by their store', async () => {
    const ourToken = { timestamp: TOKEN_TIME, eventID: 42, top: '42' };
    const seenAt = new Date('2024-05-01T09:59:30Z');
    const lostAt = new Date('2024-05-01T08:00:00Z');
    const { registry, datastore } = setUp(
      {
        ...lagAnswers([
          nvsentinelToken('zeta'),
          { client_name: 'kept-there', resume_token: { ...ourToken, top: '45' }, last_updated: ACKED_AT },
          { client_name: 'legacy', resume_token: { ...ourToken, top: '46' }, last_updated: ACKED_AT },
        ]),
        ourBehind: () => [{ n: '2', last_id: '44', max_id: '44', first_at: new Date(HEAD_AT.getTime() - 30_000) }],
      },
      {
        lagConsumers: () => [
          consoleRow('dashboard', { resume_token: ourToken, last_updated: ACKED_AT, last_seen_at: seenAt }),
          consoleRow('kept-there', { position_store: 'nvsentinel', last_updated: new Date(1) }),
          consoleRow('legacy', { position_store: 'nvsentinel-legacy' }),
          consoleRow('lost', { resume_token: ourToken, position_lost_at: lostAt }),
          consoleRow('lost-why', {
            resume_token: ourToken,
            position_lost_at: lostAt,
            position_lost_reason: 'rows removed',
          }),
          consoleRow('no-token'),
        ],
      },
    );
    const figures = await registry.lag();
    expect(figures.map((figure) => figure.consumer)).toEqual([
      'dashboard',
      'kept-there',
      'legacy',
      'lost',
      'lost-why',
      'no-token',
      'zeta',
    ]);
    const byName = new Map(figures.map((figure) => [figure.consumer, figure]));
    expect(byName.get('dashboard')).toEqual({
      consumer: 'dashboard',
      position: '42',
      positionTime: new Date(TOKEN_TIME),
      headTime: HEAD_AT,
      lagSeconds: 30,
      documentsBehind: 2,
      documentsBehindCapped: false,
      documentsBehindEstimated: false,
      positionKnown: true,
      positionLost: null,
      lastAckAt: ACKED_AT,
      lastSeenAt: seenAt,
    });
    // Kept in resume_tokens: the token and last ack are read there, ours by our order.
    expect(byName.get('kept-there')).toMatchObject({ position: '45', documentsBehind: 2, lastAckAt: ACKED_AT });
    // NVSentinel's format is read by its reader's meaning, whatever the token holds.
    expect(byName.get('legacy')).toMatchObject({ position: `${TOKEN_TIME}/42`, documentsBehind: 0 });
    expect(byName.get('lost')).toMatchObject({
      positionKnown: false,
      position: null,
      documentsBehind: null,
      lagSeconds: null,
      positionLost: { at: lostAt, reason: '' },
    });
    expect(byName.get('lost-why')).toMatchObject({ positionLost: { at: lostAt, reason: 'rows removed' } });
    expect(byName.get('no-token')).toMatchObject({ positionKnown: false, positionTime: null, lastAckAt: null });
    expect(byName.get('zeta')).toMatchObject({ position: `${TOKEN_TIME}/40`, positionKnown: true });
    expect(datastore.of('ourBehind').map((call) => call.params)).toEqual([
      ['42', [], []],
      ['45', [], []],
    ]);
    expect(datastore.of('nvsentinelBehind').map((call) => call.params[1])).toEqual(['42', '40']);
  });

  it("a failed count of one of our consumers leaves its position unknown, the others' figures stand", async () => {
    const ourToken = { timestamp: TOKEN_TIME, eventID: 42, top: '42' };
    const { registry } = setUp(
      {
        ...lagAnswers([nvsentinelToken('zeta')]),
        ourBehind: () => {
          throw new Error('statement timeout');
        },
      },
      { lagConsumers: () => [consoleRow('dashboard', { resume_token: ourToken })] },
    );
    const [dashboard, zeta] = await registry.lag();
    expect(dashboard).toMatchObject({
      consumer: 'dashboard',
      position: null,
      positionKnown: false,
      lagSeconds: null,
      documentsBehind: null,
      documentsBehindEstimated: false,
      positionTime: new Date(TOKEN_TIME),
    });
    expect(zeta).toMatchObject({ consumer: 'zeta', positionKnown: true });
  });

  it("reads at most 4 consumers' figures at once and answers in name order", async () => {
    const names = Array.from({ length: 10 }, (_, i) => `reader-${9 - i}`);
    const waiting: (() => void)[] = [];
    let started = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    let release = false;
    const { registry } = setUp(
      lagAnswers(
        names.map((name, i) => nvsentinelToken(name, { timestamp: TOKEN_TIME, eventID: 100 + i })),
        {
          nvsentinelBehind: async (call) => {
            started += 1;
            inFlight += 1;
            mostInFlight = Math.max(mostInFlight, inFlight);
            if (!release) {
              const gate = deferred();
              waiting.push(gate.resolve);
              await gate.promise;
            }
            inFlight -= 1;
            return [behindRow({ n: String(Number(call.params[1]) - 100) })];
          },
        },
      ),
    );
    const lag = registry.lag();
    await vi.waitFor(() => expect(started).toBeGreaterThanOrEqual(4));
    await new Promise((settle) => setImmediate(settle));
    expect(started).toBe(4);
    waiting.shift()?.();
    await vi.waitFor(() => expect(started).toBe(5));
    release = true;
    for (const resolve of waiting.splice(0)) resolve();
    const figures = await lag;
    expect(mostInFlight).toBe(4);
    expect(figures.map((figure) => figure.consumer)).toEqual([...names].sort());
    expect(figures.map((figure) => figure.documentsBehind)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });
});

describe('PostgreSQL consumer registry: horizon hold-back', () => {
  it('commit order counts the rows held back behind the oldest open transaction', async () => {
    const { registry, datastore } = setUp({
      order: COMMIT_ORDER,
      holdBack: () => [{ seconds: 12.5, held: '7' }],
    });
    expect(await registry.horizonHoldBack()).toEqual({ oldestOpenTransactionSeconds: 12.5, heldBackRows: 7 });
    const [call] = datastore.of('holdBack');
    expect(call.text).toContain('pg_stat_activity WHERE backend_xid IS NOT NULL');
    expect(call.text).toContain("COALESCE(txid, '0'::xid8) >= pg_snapshot_xmin(pg_current_snapshot()) LIMIT 100000");
  });

  it('id order holds nothing back; no open transaction is 0 s', async () => {
    const { registry, datastore } = setUp({ holdBack: () => [{ seconds: null, held: '0' }] });
    expect(await registry.horizonHoldBack()).toEqual({ oldestOpenTransactionSeconds: 0, heldBackRows: 0 });
    const [call] = datastore.of('holdBack');
    expect(call.text).toContain(', 0 AS held');
    expect(call.text).not.toContain('datastore_changelog');
  });
});
