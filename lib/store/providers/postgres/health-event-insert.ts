// Stores new health events as NVSentinel's platform connector does (one row each, the document
// in JSONB, eviction status NULL, message '', updated_at = created_at), after validating and
// encoding every one: a bad event refuses the whole call.
import { randomUUID } from 'node:crypto';

import { ValidationError } from '../../errors/validation-error';
import type { InsertOptions } from '../../health-event-store';
import type { HealthEventWithStatus } from '../../model/health-event';
import { toHealthEventWithStatus, type NewHealthEvent } from '../../model/new-health-event';
import { copyLine, copyRows } from './copy-rows';
import { encodeDocument, insertColumns } from './health-event-codec';
import type { PostgresConnection } from './postgres-connection';

/** What NVSentinel's insert fills: eviction status NULL, message '', updated_at = created_at. */
const INSERT_COLUMNS = [
  'id',
  'node_name',
  'event_type',
  'severity',
  'recommended_action',
  'node_quarantined',
  'user_pods_eviction_status',
  'user_pods_eviction_message',
  'document',
  'created_at',
  'updated_at',
] as const;
/** Up to this many rows go as one INSERT statement; more as one COPY (see insertMany). */
const SINGLE_STATEMENT_ROWS = 16;

export async function insertHealthEvents(
  connection: PostgresConnection,
  events: NewHealthEvent[],
  options: InsertOptions,
  maxDocumentBytes: number,
): Promise<HealthEventWithStatus[]> {
  connection.assertOpen();
  if (!Array.isArray(events)) throw new ValidationError('events', 'must be an array');
  const chunkSize = options.chunkSize ?? 500;
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new ValidationError('chunkSize', 'must be a whole number, at least 1');
  const now = new Date();
  // Validate and encode everything before the first write: a bad event refuses the whole call.
  const rows = events.map((input, index) => {
    const event = toHealthEventWithStatus(input, `events[${index}]`, now);
    const document = JSON.stringify(encodeDocument(event));
    if (Buffer.byteLength(document) > maxDocumentBytes) {
      throw new ValidationError(
        `events[${index}]`,
        `document is ${Buffer.byteLength(document)} bytes, over the ${maxDocumentBytes}-byte limit`,
      );
    }
    return { id: randomUUID(), event, document, columns: insertColumns(event) };
  });
  if (rows.length === 0) return [];
  const fields = (row: (typeof rows)[number]) => {
    const { nodeName, eventType, severity, recommendedAction, createdAt } = row.columns;
    return [
      row.id,
      nodeName,
      eventType,
      severity,
      recommendedAction,
      null,
      null,
      '',
      row.document,
      createdAt,
      createdAt,
    ];
  };

  if (rows.length <= SINGLE_STATEMENT_ROWS) {
    // A few rows (a health monitor's usual call): one INSERT statement, atomic on its own, one
    // round trip. A COPY in a transaction costs three round trips and ~2.5× the client CPU here.
    const values: unknown[] = [];
    const tuples = rows.map((row) => {
      const placeholders = fields(row).map((value) => `$${values.push(value)}`);
      return `(${placeholders.join(', ')})`;
    });
    await connection.query(
      'healthEvents.insertMany',
      `INSERT INTO health_events (${INSERT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`,
      values,
    );
    return rows.map((row) => ({ recordId: row.id, ...row.event }));
  }

  await connection.transaction('healthEvents.insertMany', async (client) => {
    // One COPY for the whole call (row triggers fire as for INSERT), fed chunkSize rows at a time.
    const lines = function* () {
      for (let start = 0; start < rows.length; start += chunkSize) {
        let text = '';
        for (const row of rows.slice(start, start + chunkSize)) text += copyLine(fields(row));
        yield text;
      }
    };
    await copyRows(client, 'health_events', INSERT_COLUMNS, lines());
  });
  return rows.map((row) => ({ recordId: row.id, ...row.event }));
}
