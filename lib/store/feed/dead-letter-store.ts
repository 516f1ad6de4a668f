import type { ChangeEvent } from './change-event';

export type DeadLetterStatus = 'dead' | 'retry_requested' | 'retrying' | 'resolved';

export interface DeadLetter {
  id: string;
  consumer: string;
  position: string;
  collection: ChangeEvent['collection'];
  recordId: string | null;
  operation: ChangeEvent['operation'];
  /** The change as it was delivered, so a retry hands the handler the same input. */
  change: ChangeEvent;
  error: string;
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
  status: DeadLetterStatus;
  retryRequestedAt: Date | null;
  resolvedAt: Date | null;
}

export interface NewDeadLetter {
  consumer: string;
  change: ChangeEvent;
  error: string;
  attempts: number;
  firstFailedAt: Date;
}

export interface DeadLetterStore {
  add(deadLetter: NewDeadLetter): Promise<DeadLetter>;
  list(filter?: { consumer?: string; status?: DeadLetterStatus[]; limit?: number }): Promise<DeadLetter[]>;
  count(filter?: { consumer?: string; status?: DeadLetterStatus[] }): Promise<number>;
  /** Marks it for the consumer's processor to run again. */
  requestRetry(id: string): Promise<DeadLetter>;
  /** Claims the consumer's requested retries (retry_requested -> retrying). */
  claimRetries(consumer: string, limit?: number): Promise<DeadLetter[]>;
  resolve(id: string): Promise<void>;
  /** A retry failed again: back to dead, with the new error and attempt count. */
  fail(id: string, error: string, attempts: number): Promise<void>;
}
