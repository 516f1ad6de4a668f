// Dead letters on MongoDB, in a collection of ours (ConsoleDeadLetters by default; NVSentinel never
// reads it). The change is kept as canonical Extended JSON, so any key NVSentinel's metadata holds
// is stored as it came and Dates come back as Dates for a retry.
import { BSON, ObjectId, type Document } from 'mongodb';

import { StoreError } from '../../errors/store-error';
import { ValidationError } from '../../errors/validation-error';
import type { ChangeEvent } from '../../feed/change-event';
import type { DeadLetter, DeadLetterStatus, DeadLetterStore, NewDeadLetter } from '../../feed/dead-letter-store';
import type { MongoConnection } from './mongo-connection';

const STATUSES: DeadLetterStatus[] = ['dead', 'retry_requested', 'retrying', 'resolved'];

function parseId(id: string): ObjectId {
  if (typeof id !== 'string' || !/^[0-9a-f]{24}$/i.test(id))
    throw new ValidationError(
      'id',
      `must be a dead letter id (24 hex digits), got ${JSON.stringify(id)?.slice(0, 40)}`,
    );
  return new ObjectId(id);
}

function statusFilter(filter: { consumer?: string; status?: DeadLetterStatus[] }): Document {
  const query: Document = {};
  if (filter.consumer !== undefined) {
    if (typeof filter.consumer !== 'string') throw new ValidationError('consumer', 'must be a consumer name');
    query.consumer = filter.consumer;
  }
  if (filter.status !== undefined) {
    for (const status of filter.status)
      if (!STATUSES.includes(status)) throw new ValidationError('status', `must hold only ${STATUSES.join(', ')}`);
    query.status = { $in: filter.status };
  }
  return query;
}

export function toDeadLetter(document: Document): DeadLetter {
  return {
    id: (document._id as ObjectId).toHexString(),
    consumer: document.consumer,
    position: document.position,
    collection: document.collection,
    recordId: document.recordId ?? null,
    operation: document.operation,
    change: BSON.EJSON.parse(document.change, { relaxed: false }) as ChangeEvent,
    error: document.error,
    attempts: document.attempts,
    firstFailedAt: document.firstFailedAt,
    lastFailedAt: document.lastFailedAt,
    status: document.status,
    retryRequestedAt: document.retryRequestedAt ?? null,
    resolvedAt: document.resolvedAt ?? null,
  };
}

export function toDocument(deadLetter: NewDeadLetter, now = new Date()): Document {
  const { change } = deadLetter;
  return {
    consumer: deadLetter.consumer,
    position: change.position,
    collection: change.collection,
    recordId: change.recordId || null,
    operation: change.operation,
    change: BSON.EJSON.stringify(change, { relaxed: false }),
    error: deadLetter.error.slice(0, 10_000),
    attempts: deadLetter.attempts,
    firstFailedAt: deadLetter.firstFailedAt,
    lastFailedAt: now,
    status: 'dead',
    retryRequestedAt: null,
    resolvedAt: null,
  };
}

export class MongoDeadLetterStore implements DeadLetterStore {
  private indexed?: Promise<unknown>;

  constructor(private readonly connection: MongoConnection) {}

  private get collection() {
    return this.connection.collection(this.connection.names.deadLetters);
  }

  /** Our own collection's index, made on the first write (a read-only user never writes). */
  private ensureIndex(): Promise<unknown> {
    this.indexed ??= this.collection.createIndex({ consumer: 1, status: 1, _id: 1 }).catch((error) => {
      this.indexed = undefined;
      throw error;
    });
    return this.indexed;
  }

  async add(deadLetter: NewDeadLetter): Promise<DeadLetter> {
    const document = toDocument(deadLetter);
    return this.connection.run(
      'deadLetters.add',
      async () => {
        await this.ensureIndex();
        const { insertedId } = await this.collection.insertOne(document);
        return toDeadLetter({ ...document, _id: insertedId });
      },
      'write dead letters',
    );
  }

  async list(filter: { consumer?: string; status?: DeadLetterStatus[]; limit?: number } = {}): Promise<DeadLetter[]> {
    const query = statusFilter(filter);
    const documents = await this.connection.run('deadLetters.list', () =>
      this.collection
        .find(query)
        .sort({ _id: -1 })
        .limit(Math.max(1, Math.min(filter.limit ?? 100, 1000)))
        .toArray(),
    );
    return documents.map(toDeadLetter);
  }

  async count(filter: { consumer?: string; status?: DeadLetterStatus[] } = {}): Promise<number> {
    const query = statusFilter(filter);
    return this.connection.run('deadLetters.count', () => this.collection.countDocuments(query));
  }

  async requestRetry(id: string): Promise<DeadLetter> {
    const key = parseId(id);
    return this.connection.run(
      'deadLetters.requestRetry',
      async () => {
        const updated = await this.collection.findOneAndUpdate(
          { _id: key, status: 'dead' },
          { $set: { status: 'retry_requested', retryRequestedAt: new Date() } },
          { returnDocument: 'after' },
        );
        if (updated) return toDeadLetter(updated);
        const existing = await this.collection.findOne({ _id: key });
        if (!existing) throw new StoreError('not-found', `no dead letter with id ${id}`);
        throw new StoreError('invalid', `dead letter ${id} is ${existing.status}, not dead: nothing to retry`);
      },
      'write dead letters',
    );
  }

  async claimRetries(consumer: string, limit = 50): Promise<DeadLetter[]> {
    return this.connection.run(
      'deadLetters.claimRetries',
      async () => {
        const candidates = await this.collection
          .find({ consumer, status: 'retry_requested' }, { projection: { _id: 1 } })
          .sort({ _id: 1 })
          .limit(limit)
          .toArray();
        const claimed: DeadLetter[] = [];
        // One conditional update each: two processors never claim the same letter.
        for (const { _id } of candidates) {
          const document = await this.collection.findOneAndUpdate(
            { _id, status: 'retry_requested' },
            { $set: { status: 'retrying' } },
            { returnDocument: 'after' },
          );
          if (document) claimed.push(toDeadLetter(document));
        }
        return claimed;
      },
      'write dead letters',
    );
  }

  async resolve(id: string): Promise<void> {
    const key = parseId(id);
    await this.connection.run(
      'deadLetters.resolve',
      () => this.collection.updateOne({ _id: key }, { $set: { status: 'resolved', resolvedAt: new Date() } }),
      'write dead letters',
    );
  }

  async fail(id: string, error: string, attempts: number): Promise<void> {
    const key = parseId(id);
    await this.connection.run(
      'deadLetters.fail',
      () =>
        this.collection.updateOne(
          { _id: key },
          { $set: { status: 'dead', error: error.slice(0, 10_000), attempts, lastFailedAt: new Date() } },
        ),
      'write dead letters',
    );
  }
}
