// The audit log's hash chain (migration 20261206000100): every entry carries the hash of the one
// chained before it and its own over its content. Checking it walks the whole chain in the
// database and names the first entry where it breaks: content changed, an entry missing, one not
// chained (written with the triggers disabled), or an entry that points at another predecessor.
import type pg from 'pg';

import { auditLogRewritePowers } from './audit-log-powers';

export interface AuditChainVerdict {
  intact: boolean;
  /** Entries walked. */
  entries: number;
  /** The first break, in chain order. */
  brokenAt?: { id: string; problem: string };
  /**
   * What lets the console's own database role rewrite the log behind the chain (a superuser, the
   * table's owner, …), or null when it can only read and append: an intact chain says more then.
   */
  appRoleCanRewrite: string | null;
  checkedAt: string;
}

interface ChainRow {
  entries: string;
  id: string | null;
  problem: string | null;
}

export async function verifyAuditChain(pool: pg.Pool): Promise<AuditChainVerdict> {
  const { rows } = await pool.query<ChainRow>(
    `WITH chain AS (
       SELECT id, chain_seq, hash, prev_hash,
              lag(hash) OVER (ORDER BY chain_seq NULLS FIRST, id) AS previous_hash,
              lag(chain_seq) OVER (ORDER BY chain_seq NULLS FIRST, id) AS previous_seq,
              console_audit_log_entry_hash(COALESCE(prev_hash, ''), entry) AS recomputed
         FROM console_audit_log entry),
     problems AS (
       SELECT id, chain_seq,
              CASE WHEN chain_seq IS NULL THEN 'written outside the chain (its triggers were disabled)'
                   WHEN chain_seq <> COALESCE(previous_seq, 0) + 1 THEN format('entries %s to %s of the chain are missing', COALESCE(previous_seq, 0) + 1, chain_seq - 1)
                   WHEN prev_hash IS DISTINCT FROM COALESCE(previous_hash, '') THEN 'its link to the entry before does not match that entry'
                   WHEN hash IS DISTINCT FROM recomputed THEN 'its content was changed after it was written'
              END AS problem
         FROM chain)
     SELECT (SELECT count(*) FROM chain)::text AS entries, first.id::text AS id, first.problem
       FROM (SELECT 1) one LEFT JOIN LATERAL (
         SELECT id, problem FROM problems WHERE problem IS NOT NULL ORDER BY chain_seq NULLS FIRST, id LIMIT 1) first ON true`,
  );
  const row = rows[0];
  const verdict: AuditChainVerdict = {
    intact: row.problem === null,
    entries: Number(row.entries),
    appRoleCanRewrite: await auditLogRewritePowers(pool),
    checkedAt: new Date().toISOString(),
  };
  if (row.problem !== null && row.id !== null) verdict.brokenAt = { id: row.id, problem: row.problem };
  return verdict;
}
