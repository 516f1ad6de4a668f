// The audit log against a real PostgreSQL: what is appended reads back newest first, filters and
// paging return exactly the rows they should, and the database itself refuses to rewrite history.
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { AuditEntryInput } from '@/lib/audit/audit-entry';
import { verifyAuditChain } from '@/lib/audit/audit-chain';
import { appendAudit, auditFacets, eachAudit, listAudit, type AuditFilter } from '@/lib/audit/audit-log';
import { readAuditPage } from '@/lib/queries/audit';
import { parseAuditFilter } from '@/lib/queries/audit-filter';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { testAppContext } from '../../support/app-context';
import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

const base: AuditEntryInput = {
  actor: 'ana',
  actorRole: 'operator',
  action: 'node.quarantine',
  target: 'gpu-node-0001',
  reason: 'fan failure',
  stateBefore: { state: 'healthy' },
  stateAfter: { state: 'healthy', quarantineRequested: true },
  outcome: 'ok',
  detail: 'gpu-node-0001 is quarantined.',
  requestId: 'req-0',
  clientAddress: '203.0.113.7',
};

async function all(pool: pg.Pool, filter: AuditFilter = {}): Promise<string[]> {
  return (await listAudit(pool, filter, 10_000)).map((entry) => entry.id);
}

async function refusal(work: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as { code?: string; message: string };
}

describe.each(testServers())('audit log on $name', (server) => {
  let database: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase(server);
    await setUpOwnDatabase(database.url);
    pool = new pg.Pool({ connectionString: database.url, max: 3 });
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  // The table refuses TRUNCATE; between tests (only) its triggers are switched off to empty it.
  beforeEach(async () => {
    await pool.query(`
      ALTER TABLE console_audit_log DISABLE TRIGGER USER;
      TRUNCATE console_audit_log RESTART IDENTITY;
      ALTER TABLE console_audit_log ENABLE TRIGGER USER;
    `);
  });

  it('reads back what was appended, every field', async () => {
    const id = await appendAudit(pool, base);
    const [entry] = await listAudit(pool, {});
    expect(entry).toEqual({ ...base, id, at: expect.any(String) });
    expect(Date.now() - new Date(entry.at).getTime()).toBeLessThan(60_000);
  });

  it('keeps missing states and addresses as null', async () => {
    await appendAudit(pool, {
      ...base,
      actorRole: null,
      target: null,
      reason: null,
      stateBefore: undefined,
      stateAfter: undefined,
      detail: null,
      clientAddress: null,
      outcome: 'denied',
    });
    const [entry] = await listAudit(pool, {});
    expect(entry).toMatchObject({
      actorRole: null,
      target: null,
      reason: null,
      stateBefore: null,
      stateAfter: null,
      detail: null,
      clientAddress: null,
      outcome: 'denied',
    });
  });

  it('lists newest first by number across 999, 1000 and 1001, and pages on with before', async () => {
    await pool.query(`SELECT setval('console_audit_log_id_seq', 998)`);
    const ids = [];
    for (const requestId of ['a', 'b', 'c']) ids.push(await appendAudit(pool, { ...base, requestId }));
    expect(ids).toEqual(['999', '1000', '1001']);
    expect(await all(pool)).toEqual(['1001', '1000', '999']);
    expect((await listAudit(pool, {}, 2)).map((entry) => entry.id)).toEqual(['1001', '1000']);
    expect(await all(pool, { before: '1000' })).toEqual(['999']);
    expect(await all(pool, { before: '1001' })).toEqual(['1000', '999']);
    expect(await all(pool, { before: '999' })).toEqual([]);
  });

  it('filters by actor, action, outcome, target and request id, and by several at once', async () => {
    const id = async (entry: Partial<AuditEntryInput>) => appendAudit(pool, { ...base, ...entry });
    const anaQuarantine = await id({ requestId: 'r1' });
    const benRelease = await id({ actor: 'ben', action: 'node.release', target: 'gpu-node-0002', requestId: 'r2' });
    const benDenied = await id({ actor: 'ben', outcome: 'denied', target: 'gpu-node-0001', requestId: 'r3' });
    const anonymous = await id({
      actor: 'anonymous',
      actorRole: null,
      outcome: 'denied',
      action: 'user.create',
      target: 'user/eve',
      requestId: 'r4',
    });

    expect(await all(pool, { actor: 'ben' })).toEqual([benDenied, benRelease]);
    expect(await all(pool, { action: 'node.quarantine' })).toEqual([benDenied, anaQuarantine]);
    expect(await all(pool, { outcome: 'denied' })).toEqual([anonymous, benDenied]);
    expect(await all(pool, { target: 'gpu-node-0001' })).toEqual([benDenied, anaQuarantine]);
    expect(await all(pool, { requestId: 'r2' })).toEqual([benRelease]);
    expect(await all(pool, { actor: 'ben', outcome: 'denied', target: 'gpu-node-0001' })).toEqual([benDenied]);
    expect(await all(pool, { actor: 'ben', outcome: 'ok', action: 'node.quarantine' })).toEqual([]);
    // Exact matches only: no substring, no pattern.
    expect(await all(pool, { actor: 'be' })).toEqual([]);
    expect(await all(pool, { actor: '%' })).toEqual([]);
    expect(await all(pool, { target: "gpu-node-0001' OR '1'='1" })).toEqual([]);
    expect(await all(pool, { outcome: 'denied', before: benDenied })).toEqual([]);
  });

  it('filters by time: from inclusive, to exclusive', async () => {
    const at = async (time: string) => {
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO console_audit_log (at, actor, action, outcome, request_id) VALUES ($1, 'ana', 'node.release', 'ok', 'r') RETURNING id::text`,
        [time],
      );
      return rows[0].id;
    };
    const nov30 = await at('2026-11-30T23:59:59.999Z');
    const dec1 = await at('2026-12-01T00:00:00.000Z');
    const dec1Noon = await at('2026-12-01T12:00:00.000Z');
    const dec2 = await at('2026-12-02T00:00:00.000Z');
    const from = new Date('2026-12-01T00:00:00Z');
    const to = new Date('2026-12-02T00:00:00Z');
    expect(await all(pool, { from })).toEqual([dec2, dec1Noon, dec1]);
    expect(await all(pool, { to })).toEqual([dec1Noon, dec1, nov30]);
    expect(await all(pool, { from, to })).toEqual([dec1Noon, dec1]);
    expect(await all(pool, { from, to, before: dec1Noon })).toEqual([dec1]);
  });

  it('runs every filter the URL parser accepts, up to its limits, without a database error', async () => {
    await appendAudit(pool, base);
    const parsed = parseAuditFilter(
      new URLSearchParams('before=9223372036854775807&from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z'),
    );
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && (await all(pool, parsed.filter))).toHaveLength(1);
    // Just beyond: refused with a message instead of reaching the database.
    for (const query of [
      'before=9223372036854775808',
      'from=-000001-01-01T00:00:00Z',
      'to=%2B010000-01-01T00:00:00Z',
    ]) {
      expect(parseAuditFilter(new URLSearchParams(query)).ok).toBe(false);
    }
  });

  it('returns at least one row for a page size below 1', async () => {
    for (let i = 0; i < 3; i++) await appendAudit(pool, base);
    expect(await listAudit(pool, {}, 0)).toHaveLength(1);
    expect(await listAudit(pool, {}, -5)).toHaveLength(1);
  });

  describe('eachAudit', () => {
    it.each([
      ['a few full pages and a partial one', 23, 5],
      ['pages that divide the rows exactly', 20, 5],
      ['a single page larger than the log', 7, 1_000],
    ])('yields every row exactly once, newest first: %s', async (_, rows, pageSize) => {
      for (let i = 0; i < rows; i++) await appendAudit(pool, { ...base, requestId: `r${i}` });
      const seen: string[] = [];
      for await (const entry of eachAudit(pool, {}, pageSize)) seen.push(entry.id);
      expect(seen).toHaveLength(rows);
      expect(new Set(seen).size).toBe(rows);
      expect(seen).toEqual(await all(pool));
    });

    it('pages through 999, 1000 and 1001 in numeric order', async () => {
      await pool.query(`SELECT setval('console_audit_log_id_seq', 995)`);
      for (let i = 0; i < 8; i++) await appendAudit(pool, base);
      const seen: string[] = [];
      for await (const entry of eachAudit(pool, {}, 3)) seen.push(entry.id);
      expect(seen).toEqual(['1003', '1002', '1001', '1000', '999', '998', '997', '996']);
    });

    it('keeps the filter on every page, and starts from before', async () => {
      for (let i = 0; i < 12; i++) await appendAudit(pool, { ...base, actor: i % 3 === 0 ? 'ben' : 'ana' });
      const bens: string[] = [];
      for await (const entry of eachAudit(pool, { actor: 'ben' }, 2)) bens.push(entry.actor);
      expect(bens).toEqual(['ben', 'ben', 'ben', 'ben']);
      const older: string[] = [];
      for await (const entry of eachAudit(pool, { before: '5' }, 2)) older.push(entry.id);
      expect(older).toEqual(['4', '3', '2', '1']);
    });

    it('yields nothing from an empty log', async () => {
      const seen = [];
      for await (const entry of eachAudit(pool, {}, 10)) seen.push(entry);
      expect(seen).toEqual([]);
    });
  });

  it('lists the distinct actions and actors, sorted, for the filter menus', async () => {
    for (const [actor, action] of [
      ['ben', 'node.release'],
      ['ana', 'node.quarantine'],
      ['ben', 'node.release'],
      ['anonymous', 'user.create'],
    ]) {
      await appendAudit(pool, { ...base, actor, action });
    }
    expect(await auditFacets(pool)).toEqual({
      actions: ['node.quarantine', 'node.release', 'user.create'],
      actors: ['ana', 'anonymous', 'ben'],
    });
  });

  describe('the Audit page', () => {
    const OLGA = 'Xk3vQ9mB2sL7pR1tOlga';
    const SSO = 'Qw8eR4tY6uI2oP0aSso';
    beforeEach(async () => {
      await pool.query(`DELETE FROM console_user WHERE id = ANY($1)`, [[OLGA, SSO]]);
      await pool.query(
        `INSERT INTO console_user (id, name, email, "emailVerified", username, role)
         VALUES ($1, 'Olga', 'olga@console.local', true, 'olga', 'operator'),
                ($2, 'Sam', 'sam@example.com', true, NULL, 'viewer')`,
        [OLGA, SSO],
      );
    });
    const page = (filter: AuditFilter = {}) => readAuditPage(testAppContext({ consolePool: pool }), filter);

    it('names the users its entries hold by id: targets of refused attempts and a creation’s new id', async () => {
      await appendAudit(pool, { ...base, action: 'user.set-role', target: `user/${OLGA}`, outcome: 'denied' });
      await appendAudit(pool, { ...base, action: 'user.disable', target: SSO, outcome: 'denied' });
      await appendAudit(pool, {
        ...base,
        action: 'user.create',
        target: 'user/olga',
        stateBefore: undefined,
        stateAfter: { id: OLGA, username: 'olga', role: 'operator' },
      });
      await appendAudit(pool, { ...base, action: 'user.enable', target: 'user/no-such-id' });
      const { users } = await page();
      // A single-sign-on user without a username by their email; an id no user has stays unnamed.
      expect(users).toEqual({ [OLGA]: 'olga', [SSO]: 'sam@example.com' });
    });

    it('finds a user’s entries by their username and by their id, whichever each was recorded under', async () => {
      const bare = await appendAudit(pool, { ...base, action: 'user.set-role', target: OLGA, outcome: 'denied' });
      const byId = await appendAudit(pool, { ...base, action: 'user.set-role', target: `user/${OLGA}` });
      const byName = await appendAudit(pool, { ...base, action: 'user.set-role', target: 'user/olga' });
      await appendAudit(pool, { ...base, action: 'user.set-role', target: `user/${SSO}` });
      for (const target of ['user/olga', `user/${OLGA}`, OLGA])
        expect(
          (await page({ target })).entries.map((entry) => entry.id),
          target,
        ).toEqual([byName, byId, bare]);
      expect((await page({ target: 'user/sam@example.com' })).entries).toHaveLength(1);
      expect((await page({ target: 'user/nobody' })).entries).toEqual([]);
      // A node's name is never taken for a username: only a user's id is.
      await pool.query(`UPDATE console_user SET username = 'gpu-node-0001' WHERE id = $1`, [SSO]);
      await appendAudit(pool, { ...base, action: 'user.enable', target: 'user/gpu-node-0001' });
      await appendAudit(pool, { ...base, action: 'node.quarantine', target: 'gpu-node-0001' });
      expect((await page({ target: 'gpu-node-0001' })).entries.map((entry) => entry.action)).toEqual([
        'node.quarantine',
      ]);
    });
  });

  describe('append-only', () => {
    it.each([
      ['UPDATE', `UPDATE console_audit_log SET outcome = 'ok', actor = 'someone else'`],
      ['DELETE', 'DELETE FROM console_audit_log'],
      ['TRUNCATE', 'TRUNCATE console_audit_log'],
    ])('refuses %s and leaves every row as it was', async (operation, sql) => {
      await appendAudit(pool, { ...base, outcome: 'denied' });
      await appendAudit(pool, { ...base, actor: 'ben' });
      const before = await listAudit(pool, {});
      const error = await refusal(pool.query(sql));
      expect(error.code).toBe('42501');
      expect(error.message).toBe(`console_audit_log is append-only: ${operation} refused`);
      expect(await listAudit(pool, {})).toEqual(before);
    });

    it('refuses to change even one row by id', async () => {
      const id = await appendAudit(pool, base);
      await refusal(pool.query(`UPDATE console_audit_log SET detail = 'nothing happened' WHERE id = $1`, [id]));
      await refusal(pool.query('DELETE FROM console_audit_log WHERE id = $1', [id]));
      expect((await listAudit(pool, {}))[0].detail).toBe(base.detail);
    });
  });

  describe('hostile text', () => {
    it('stores a 1 MB reason clipped to 2,000 characters, saying how long it was', async () => {
      const reason = 'r'.repeat(1024 * 1024);
      await appendAudit(pool, {
        ...base,
        reason,
        outcome: 'invalid',
        detail: 'd'.repeat(5_000),
        target: 't'.repeat(3_000),
        actor: 'a'.repeat(2_001),
      });
      const [entry] = await listAudit(pool, {});
      expect(entry.reason).toBe(`${'r'.repeat(2_000)}… (1048576 characters)`);
      expect(entry.detail).toBe(`${'d'.repeat(2_000)}… (5000 characters)`);
      expect(entry.target).toBe(`${'t'.repeat(2_000)}… (3000 characters)`);
      expect(entry.actor).toBe(`${'a'.repeat(2_000)}… (2001 characters)`);
    });

    it('keeps text of exactly 2,000 characters whole', async () => {
      await appendAudit(pool, { ...base, reason: 'r'.repeat(2_000) });
      expect((await listAudit(pool, {}))[0].reason).toBe('r'.repeat(2_000));
    });

    it('keeps NUL bytes visible as text (PostgreSQL text cannot hold them)', async () => {
      await appendAudit(pool, {
        ...base,
        actor: 'eve\u0000',
        target: 'gpu\u0000node',
        reason: 'a\u0000b\u0000',
        detail: '\u0000',
      });
      const [entry] = await listAudit(pool, {});
      expect(entry).toMatchObject({
        actor: 'eve\\u0000',
        target: 'gpu\\u0000node',
        reason: 'a\\u0000b\\u0000',
        detail: '\\u0000',
      });
    });

    it('keeps markup, quotes, SQL and other scripts exactly as sent', async () => {
      const text = `<script>alert("x")</script> '); DROP TABLE console_audit_log; -- ünï 😀 \n\t=1+1`;
      await appendAudit(pool, { ...base, reason: text, target: text });
      const [entry] = await listAudit(pool, {});
      expect(entry.reason).toBe(text);
      expect(entry.target).toBe(text);
    });

    it('cuts an overlong action, request id and client address to their columns instead of failing', async () => {
      await appendAudit(pool, {
        ...base,
        action: 'x'.repeat(500),
        requestId: 'q'.repeat(500),
        clientAddress: 'c'.repeat(500),
      });
      const [entry] = await listAudit(pool, {});
      expect(entry).toMatchObject({
        action: 'x'.repeat(100),
        requestId: 'q'.repeat(100),
        clientAddress: 'c'.repeat(100),
      });
    });
  });

  it('chains every entry: the chain holds after concurrent appends', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => appendAudit(pool, { ...base, requestId: `chain-${i}` })));
    expect(await verifyAuditChain(pool)).toMatchObject({ intact: true, entries: 20 });
  });

  it('names the first entry rewritten, removed or written outside the chain behind the append-only rule', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await appendAudit(pool, { ...base, requestId: `tamper-${i}` }));
    const superuser = await pool.connect();
    try {
      // What the database role could do before it lost the rights: step past the triggers.
      await superuser.query(`SET session_replication_role = replica`);
      await superuser.query(`UPDATE console_audit_log SET reason = 'nothing happened' WHERE id = $1`, [ids[2]]);
      expect(await verifyAuditChain(pool)).toMatchObject({
        intact: false,
        entries: 5,
        brokenAt: { id: ids[2], problem: 'its content was changed after it was written' },
      });
      await superuser.query(`UPDATE console_audit_log SET reason = $2 WHERE id = $1`, [ids[2], base.reason]);
      expect(await verifyAuditChain(pool)).toMatchObject({ intact: true });

      await superuser.query(`DELETE FROM console_audit_log WHERE id = $1`, [ids[1]]);
      expect(await verifyAuditChain(pool)).toMatchObject({
        intact: false,
        entries: 4,
        brokenAt: { id: ids[2], problem: 'entries 2 to 2 of the chain are missing' },
      });
    } finally {
      await superuser.query(`RESET session_replication_role`);
      superuser.release();
    }
    await pool.query(`ALTER TABLE console_audit_log DISABLE TRIGGER console_audit_log_chain`);
    const unchained = await appendAudit(pool, { ...base, requestId: 'outside' });
    await pool.query(`ALTER TABLE console_audit_log ENABLE TRIGGER console_audit_log_chain`);
    const verdict = await verifyAuditChain(pool);
    expect(verdict).toMatchObject({
      intact: false,
      brokenAt: { id: unchained, problem: 'written outside the chain (its triggers were disabled)' },
    });
  });
});
