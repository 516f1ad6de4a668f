// prisma/schema.prisma keeps step with the SQL migrations, which are the schema's source of truth:
// every table the migrations create has a model, and each model's columns have the migration's
// names, types and nullability. A table added by a migration without its model (as the alerts'
// tables once were) fails here. Triggers, functions, checks and partial indexes live only in the SQL.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { createTestDatabase, testServers, withClient, type TestDatabase } from '../../support/test-databases';

interface Column {
  type: string;
  nullable: boolean | 'list';
}

/** The column type PostgreSQL reports (udt_name, with varchar's length) for a Prisma field. */
function columnType(type: string, attributes: string): string {
  const unsupported = /^Unsupported\("([^"]+)"\)/.exec(type);
  if (unsupported) return unsupported[1];
  const native = /@db\.(\w+)(?:\((\d+)\))?/.exec(attributes);
  if (native) {
    const [, name, length] = native;
    const udt = {
      Uuid: 'uuid',
      VarChar: 'varchar',
      Char: 'bpchar',
      Text: 'text',
      Timestamptz: 'timestamptz',
      Date: 'date',
    }[name];
    if (!udt) throw new Error(`no mapping for @db.${name}`);
    return length ? `${udt}(${length})` : udt;
  }
  const plain: Record<string, string> = {
    String: 'text',
    Int: 'int4',
    BigInt: 'int8',
    Boolean: 'bool',
    DateTime: 'timestamp',
    Json: 'jsonb',
    Float: 'float8',
    Bytes: 'bytea',
  };
  if (!plain[type]) throw new Error(`no mapping for ${type}`);
  return plain[type];
}

/** Each model's table and columns, read from schema.prisma (relation fields left out). */
async function prismaTables(): Promise<Map<string, Map<string, Column>>> {
  const text = await readFile(path.resolve('prisma/schema.prisma'), 'utf8');
  const blocks = [...text.matchAll(/^model (\w+) \{\n([\s\S]*?)^\}/gm)];
  const models = new Set(blocks.map((block) => block[1]));
  const tables = new Map<string, Map<string, Column>>();
  for (const [, model, body] of blocks) {
    const columns = new Map<string, Column>();
    for (const line of body.split('\n')) {
      const field = /^\s+(\w+)\s+((?:Unsupported\("[^"]+"\)|\w+)(\[\])?(\?)?)\s*(.*)$/.exec(line);
      if (!field) continue;
      const [, name, , list, optional, attributes] = field;
      const type = field[2].replace(/\[\]|\?$/g, '');
      if (models.has(type)) continue;
      const column = /@map\("([^"]+)"\)/.exec(attributes)?.[1] ?? name;
      const udt = columnType(type, attributes);
      columns.set(column, { type: list ? `_${udt}` : udt, nullable: list ? 'list' : optional === '?' });
    }
    tables.set(/@@map\("([^"]+)"\)/.exec(body)?.[1] ?? model, columns);
  }
  return tables;
}

describe('prisma/schema.prisma and the migrations', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    // NVSentinel's tables as the console creates them on a database of its own, then the migrations.
    await setUpOwnDatabase(database.url, { commitOrder: true });
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('have the same tables, columns, types and nullability', async () => {
    const rows = await withClient(
      database.url,
      async (client) =>
        (
          await client.query<{
            table_name: string;
            column_name: string;
            udt_name: string;
            length: number | null;
            is_nullable: 'YES' | 'NO';
          }>(
            `SELECT table_name, column_name, udt_name, character_maximum_length AS length, is_nullable
             FROM information_schema.columns c
            WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
              AND EXISTS (SELECT 1 FROM information_schema.tables t
                           WHERE t.table_schema = 'public' AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE')`,
          )
        ).rows,
    );
    const migrated = new Map<string, Map<string, Column>>();
    for (const row of rows) {
      const columns = migrated.get(row.table_name) ?? new Map<string, Column>();
      const list = row.udt_name.startsWith('_');
      const type = row.length !== null ? `${row.udt_name}(${row.length})` : row.udt_name;
      columns.set(row.column_name, { type, nullable: list ? 'list' : row.is_nullable === 'YES' });
      migrated.set(row.table_name, columns);
    }
    const modelled = await prismaTables();
    const sorted = (tables: Map<string, Map<string, Column>>) =>
      Object.fromEntries(
        [...tables.keys()]
          .sort()
          .map((table) => [
            table,
            Object.fromEntries([...tables.get(table)!.entries()].sort(([a], [b]) => a.localeCompare(b))),
          ]),
      );
    expect(sorted(modelled)).toEqual(sorted(migrated));
  });
});
