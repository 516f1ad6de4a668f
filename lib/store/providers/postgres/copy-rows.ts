// COPY … FROM STDIN in PostgreSQL's text format, for the provider's batched inserts and the
// simulator's backfill. One COPY carries any number of rows in one statement: no bind parameters,
// no array literals to escape and parse (a JSON document in a text[] parameter is escaped twice),
// and row triggers fire exactly as for INSERT, so NVSentinel's changelog trigger sees the same rows.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export type CopyValue = string | number | boolean | Date | null | undefined;

const SPECIAL = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One field in COPY's text format: `\N` for null, backslash, newline, CR and tab escaped. */
export function copyField(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const text = String(value);
  return SPECIAL.test(text) ? text.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]) : text;
}

/** One row (a line ending in a newline) in COPY's text format. */
export function copyLine(values: readonly CopyValue[]): string {
  let line = copyField(values[0]);
  for (let i = 1; i < values.length; i += 1) line += `\t${copyField(values[i])}`;
  return `${line}\n`;
}

/**
 * Streams `chunks` (each one or more whole lines from copyLine) into `table` on `client` and
 * resolves with the rows PostgreSQL stored. The source is pulled only as fast as the server takes
 * it. A failing source aborts the COPY (the server discards every row of it) and rejects; a
 * refused row rejects with the server's error. Either way the client stays usable for ROLLBACK.
 */
export async function copyRows(
  client: pg.ClientBase,
  table: string,
  columns: readonly string[],
  chunks: Iterable<string> | AsyncIterable<string>,
): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(chunks, { objectMode: false }), stream);
  return stream.rowCount;
}
