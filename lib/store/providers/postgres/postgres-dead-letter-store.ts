// Dead letters on PostgreSQL (console_dead_letters), through Prisma: plain CRUD on our own table.
import { StoreError } from '../../errors/store-error';
import { ValidationError } from '../../errors/validation-error';
import type { ChangeEvent } from '../../feed/change-event';
import type { DeadLetter, DeadLetterStatus, DeadLetterStore, NewDeadLetter } from '../../feed/dead-letter-store';
import type { PrismaClient } from '../../../generated/prisma/client';
import type { PostgresConnection } from './postgres-connection';

const TABLES = { healthEvents: 'health_events', maintenanceEvents: 'maintenance_events' } as const;
const COLLECTIONS: Record<string, ChangeEvent['collection']> = {
  health_events: 'healthEvents',
  maintenance_events: 'maintenanceEvents',
};

type Row = Awaited<ReturnType<PrismaClient['consoleDeadLetter']['findFirstOrThrow']>>;

function reviveDates(change: ChangeEvent): ChangeEvent {
  // JSON turned Dates into strings; the handler expects the shapes the feed delivers.
  const revived = { ...change, committedAt: new Date(change.committedAt) } as ChangeEvent;
  for (const key of ['document', 'before'] as const) {
    const doc = revived[key] as { createdAt?: unknown } | null;
    if (doc && typeof doc.createdAt === 'string')
      (revived as unknown as Record<string, unknown>)[key] = { ...doc, createdAt: new Date(doc.createdAt) };
  }
  return revived;
}

function toDeadLetter(row: Row): DeadLetter {
  return {
    id: row.id.toString(),
    consumer: row.clientName,
    position: row.position,
    collection: COLLECTIONS[row.tableName],
    recordId: row.recordId,
    operation: row.operation.toLowerCase() as ChangeEvent['operation'],
    change: reviveDates(row.change as unknown as ChangeEvent),
    error: row.error,
    attempts: row.attempts,
    firstFailedAt: row.firstFailedAt,
    lastFailedAt: row.lastFailedAt,
    status: row.status as DeadLetterStatus,
    retryRequestedAt: row.retryRequestedAt,
    resolvedAt: row.resolvedAt,
  };
}

function parseId(id: string): bigint {
  if (typeof id !== 'string' || !/^\d{1,18}$/.test(id))
    throw new ValidationError('id', `must be a dead letter id (digits), got ${JSON.stringify(id)?.slice(0, 40)}`);
  return BigInt(id);
}

export class PostgresDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly connection: PostgresConnection,
  ) {}

  private run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    this.connection.assertOpen();
    return this.connection.metrics.time(operation, async () => {
      try {
        return await work();
      } catch (error) {
        throw this.connection.translate(error);
      }
    });
  }

  add(deadLetter: NewDeadLetter): Promise<DeadLetter> {
    const { change } = deadLetter;
    return this.run('deadLetters.add', async () =>
      toDeadLetter(
        await this.prisma.consoleDeadLetter.create({
          data: {
            clientName: deadLetter.consumer,
            position: change.position,
            tableName: TABLES[change.collection],
            recordId: /^[0-9a-f-]{36}$/i.test(change.recordId) ? change.recordId : null,
            operation: change.operation.toUpperCase(),
            change: JSON.parse(JSON.stringify(change)),
            error: deadLetter.error.slice(0, 10_000),
            attempts: deadLetter.attempts,
            firstFailedAt: deadLetter.firstFailedAt,
            lastFailedAt: new Date(),
          },
        }),
      ),
    );
  }

  list(filter: { consumer?: string; status?: DeadLetterStatus[]; limit?: number } = {}): Promise<DeadLetter[]> {
    return this.run('deadLetters.list', async () =>
      (
        await this.prisma.consoleDeadLetter.findMany({
          where: { clientName: filter.consumer, status: filter.status ? { in: filter.status } : undefined },
          orderBy: { id: 'desc' },
          take: Math.min(filter.limit ?? 100, 1000),
        })
      ).map(toDeadLetter),
    );
  }

  count(filter: { consumer?: string; status?: DeadLetterStatus[] } = {}): Promise<number> {
    return this.run('deadLetters.count', () =>
      this.prisma.consoleDeadLetter.count({
        where: { clientName: filter.consumer, status: filter.status ? { in: filter.status } : undefined },
      }),
    );
  }

  requestRetry(id: string): Promise<DeadLetter> {
    const key = parseId(id);
    return this.run('deadLetters.requestRetry', async () => {
      const updated = await this.prisma.consoleDeadLetter.updateManyAndReturn({
        where: { id: key, status: 'dead' },
        data: { status: 'retry_requested', retryRequestedAt: new Date() },
      });
      if (updated[0]) return toDeadLetter(updated[0]);
      const existing = await this.prisma.consoleDeadLetter.findUnique({ where: { id: key } });
      if (!existing) throw new StoreError('not-found', `no dead letter with id ${id}`);
      throw new StoreError('invalid', `dead letter ${id} is ${existing.status}, not dead: nothing to retry`);
    });
  }

  claimRetries(consumer: string, limit = 50): Promise<DeadLetter[]> {
    return this.run('deadLetters.claimRetries', async () => {
      const rows = await this.prisma.$queryRaw<{ id: bigint }[]>`
        UPDATE console_dead_letters SET status = 'retrying'
        WHERE id IN (SELECT id FROM console_dead_letters WHERE client_name = ${consumer} AND status = 'retry_requested'
                     ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING id`;
      if (rows.length === 0) return [];
      const claimed = await this.prisma.consoleDeadLetter.findMany({
        where: { id: { in: rows.map((row) => row.id) } },
        orderBy: { id: 'asc' },
      });
      return claimed.map(toDeadLetter);
    });
  }

  resolve(id: string): Promise<void> {
    const key = parseId(id);
    return this.run('deadLetters.resolve', async () => {
      await this.prisma.consoleDeadLetter.update({
        where: { id: key },
        data: { status: 'resolved', resolvedAt: new Date() },
      });
    });
  }

  fail(id: string, error: string, attempts: number): Promise<void> {
    const key = parseId(id);
    return this.run('deadLetters.fail', async () => {
      await this.prisma.consoleDeadLetter.update({
        where: { id: key },
        data: { status: 'dead', error: error.slice(0, 10_000), attempts, lastFailedAt: new Date() },
      });
    });
  }
}
