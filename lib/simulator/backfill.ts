// Writes days of simulated history fast, for scale work (10,000 nodes, millions of events).
//
// History is not news: backfilled rows skip the change trigger (session_replication_role =
// replica, so the changelog and every consumer are not flooded with a month of old events), and
// fatal events arrive already processed the way the pipeline would have left them (Quarantined or
// AlreadyQuarantined, drained, remediated unless the action is NONE/UNKNOWN). PostgreSQL only:
// it writes NVSentinel's table directly with the provider's codec, in large unnest batches.
import { randomUUID } from 'node:crypto';

import pg from 'pg';

import { dateToTimestamp } from '../store';
import { toHealthEventWithStatus } from '../store/model/new-health-event';
import { encodeDocument } from '../store/providers/postgres/health-event-codec';
import { EventGenerator, type ClusterShape } from './event-generator';

export interface BackfillOptions extends ClusterShape {
  events: number;
  days: number;
  batchSize?: number;
  onProgress?: (progress: { written: number; total: number; perSecond: number }) => void;
}

export interface BackfillResult {
  written: number;
  seconds: number;
  perSecond: number;
  /** False when the role may not skip triggers: history then went through the changelog too. */
  skippedChangelog: boolean;
}

export async function backfill(connectionString: string, options: BackfillOptions): Promise<BackfillResult> {
  if (!Number.isInteger(options.events) || options.events < 1 || options.events > 100_000_000) {
    throw new RangeError(`events must be a whole number from 1 to 100000000 (got ${options.events})`);
  }
  if (!Number.isFinite(options.days) || options.days <= 0 || options.days > 365) {
    throw new RangeError(`days must be more than 0 and at most 365 (got ${options.days})`);
  }
  const generator = new EventGenerator(options);
  const batchSize = options.batchSize ?? 5_000;
  const end = Date.now();
  const start = end - options.days * 86_400_000;
  const spacing = (end - start) / options.events;
  const quarantined = new Set<string>();
  const client = new pg.Client({ connectionString });
  await client.connect();
  let skippedChangelog = true;
  try {
    await client.query('SET session_replication_role = replica');
  } catch {
    skippedChangelog = false;
  }
  const began = performance.now();
  let written = 0;
  try {
    while (written < options.events) {
      const count = Math.min(batchSize, options.events - written);
      const rows = generator.batch(count, new Date(start + written * spacing), spacing).map((input) => {
        const event = toHealthEventWithStatus(input);
        const { healthEvent, status } = event;
        const node = healthEvent.nodeName;
        if (healthEvent.isFatal && !healthEvent.isHealthy) {
          const at = dateToTimestamp(event.createdAt);
          status.nodeQuarantined = quarantined.has(node) ? 'AlreadyQuarantined' : 'Quarantined';
          status.quarantineFinishTimestamp = at;
          status.userPodsEvictionStatus = { status: quarantined.has(node) ? 'AlreadyDrained' : 'Succeeded', message: '' };
          status.drainFinishTimestamp = at;
          if (healthEvent.recommendedAction !== 'NONE' && healthEvent.recommendedAction !== 'UNKNOWN') {
            status.faultRemediated = true;
            status.lastRemediationTimestamp = at;
          }
          quarantined.add(node);
        } else if (healthEvent.isHealthy && quarantined.delete(node)) {
          status.nodeQuarantined = 'UnQuarantined';
        }
        return { event, document: JSON.stringify(encodeDocument(event)) };
      });
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO health_events (id, node_name, event_type, severity, recommended_action, node_quarantined,
           user_pods_eviction_status, user_pods_eviction_message, fault_remediated, document, created_at, updated_at)
         SELECT t.*, t.created_at FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::text[], $9::boolean[], $10::jsonb[], $11::timestamptz[])
           AS t(id, node_name, event_type, severity, recommended_action, node_quarantined, user_pods_eviction_status,
                user_pods_eviction_message, fault_remediated, document, created_at)`,
        [
          rows.map(() => randomUUID()),
          rows.map((r) => r.event.healthEvent.nodeName),
          rows.map((r) => r.event.healthEvent.checkName),
          rows.map((r) => r.event.healthEvent.componentClass),
          rows.map((r) => r.event.healthEvent.recommendedAction),
          rows.map((r) => r.event.status.nodeQuarantined || null),
          rows.map((r) => r.event.status.userPodsEvictionStatus.status || null),
          rows.map(() => ''),
          rows.map((r) => r.event.status.faultRemediated),
          rows.map((r) => r.document),
          rows.map((r) => r.event.createdAt),
        ],
      );
      await client.query('COMMIT');
      written += count;
      options.onProgress?.({ written, total: options.events, perSecond: written / ((performance.now() - began) / 1000) });
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
  const seconds = (performance.now() - began) / 1000;
  return { written, seconds, perSecond: Math.round(written / seconds), skippedChangelog };
}
