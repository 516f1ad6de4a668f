// Which console replica keeps the projection (issue 18): a lease row in the console database.
// Several replicas run on one database (a Deployment of 2-3 pods); exactly one builds and saves
// the kept projection at a time, the others follow it. The holder renews the lease every third of
// its time to live; when it dies, another replica takes it over once it expired, with the next
// epoch. The database's clock decides expiry, so replicas' clocks may disagree. Every write of the
// projection checks the holder and epoch in its own transaction (ProjectionTables, FOR SHARE on
// the row): a holder that was paused past its expiry cannot write after a takeover.
import { randomUUID } from 'node:crypto';
import os from 'node:os';

import type pg from 'pg';

export const PROJECTION_LEASE = 'node-projection';
/** Seconds a lease lasts without renewal: a dead holder is replaced within about this long. */
export const DEFAULT_LEASE_TTL_S = 10;
/** A hold the database could not renew is given up this long before its row would expire. */
const EXPIRY_MARGIN_MS = 1_000;

/** A write of the projection found that this replica no longer holds the lease: nothing was written. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

export interface LeaseHold {
  holder: string;
  epoch: string;
}

export interface ProjectionLeaseOptions {
  ttlSeconds?: number;
  /** This replica's name in the lease (host name and a random suffix by default). */
  holder?: string;
  /** Told when this replica took the lease (hold) or lost it (null). */
  onChange?: (hold: LeaseHold | null) => void;
  onError?: (error: unknown) => void;
}

export class ProjectionLease {
  readonly holder: string;
  private readonly ttlSeconds: number;
  private current: LeaseHold | null = null;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running?: Promise<void>;
  private readonly listeners = new Set<(hold: LeaseHold | null) => void>();
  private told = false;
  /** When the last renewal's row expires at the latest, by this process's clock. */
  private renewedBefore = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: ProjectionLeaseOptions = {},
  ) {
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_LEASE_TTL_S;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 2 || this.ttlSeconds > 300)
      throw new RangeError(
        `the lease's time to live must be a whole number of seconds from 2 to 300 (got ${this.ttlSeconds})`,
      );
    this.holder = options.holder ?? `${os.hostname()}-${randomUUID().slice(0, 8)}`;
  }

  /** The hold while this replica has the lease, else null. */
  get hold(): LeaseHold | null {
    return this.current;
  }

  /** Calls `listener` whenever this replica takes, loses or re-takes the lease; returns the unsubscribe. */
  onChange(listener: (hold: LeaseHold | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tries at once, then every third of the time to live: takes the lease when free, renews it when held. */
  start(): Promise<void> {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.attempt().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, (this.ttlSeconds * 1000) / 3).unref();
      });
    };
    tick();
    return this.running!;
  }

  /** Stops renewing; `release` gives the lease up at once (a clean shutdown) instead of letting it expire. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    const hold = this.current;
    // Stopping is no change of role to tell anyone about: the process is going.
    this.current = null;
    if (release && hold)
      await this.pool
        .query(`DELETE FROM console_leases WHERE name = $1 AND holder = $2 AND epoch = $3`, [
          PROJECTION_LEASE,
          hold.holder,
          hold.epoch,
        ])
        .catch((error) => this.options.onError?.(error));
  }

  /** Tells the lease it was lost (a write found another holder): the next attempt may take it again. */
  lost(): void {
    this.set(null);
  }

  private async attempt(): Promise<void> {
    const started = Date.now();
    try {
      // Take it when nobody holds it or it expired (next epoch); renew it when this replica holds it.
      const { rows } = await this.pool.query<{ holder: string; epoch: string }>(
        `INSERT INTO console_leases (name, holder, epoch, acquired_at, expires_at)
         VALUES ($1, $2, 1, now(), now() + make_interval(secs => $3))
         ON CONFLICT (name) DO UPDATE SET
           epoch = CASE WHEN console_leases.holder = EXCLUDED.holder AND console_leases.expires_at > now()
                        THEN console_leases.epoch ELSE console_leases.epoch + 1 END,
           acquired_at = CASE WHEN console_leases.holder = EXCLUDED.holder AND console_leases.expires_at > now()
                              THEN console_leases.acquired_at ELSE now() END,
           holder = EXCLUDED.holder,
           expires_at = EXCLUDED.expires_at
         WHERE console_leases.holder = EXCLUDED.holder OR console_leases.expires_at <= now()
         RETURNING holder, epoch::text AS epoch`,
        [PROJECTION_LEASE, this.holder, this.ttlSeconds],
      );
      const row = rows[0];
      // Renewed under another epoch means it expired meanwhile (a long pause): a new hold.
      if (row) this.renewedBefore = started + this.ttlSeconds * 1000;
      this.set(row ? { holder: row.holder, epoch: row.epoch } : null);
    } catch (error) {
      this.options.onError?.(error);
      // The database away for a moment: the row it holds stays valid until it expires, and every
      // write is fenced anyway, so the hold is kept until then (by this process's clock, from
      // before the last renewal was sent) instead of churning the hub through two role changes.
      if (this.current && Date.now() < this.renewedBefore - EXPIRY_MARGIN_MS) return;
      this.set(null);
    }
  }

  private set(hold: LeaseHold | null): void {
    const before = this.current;
    this.current = hold;
    // The first attempt's outcome is always told (a replica that starts as a follower says so).
    const first = !this.told;
    this.told = true;
    if (!first && before?.epoch === hold?.epoch && before?.holder === hold?.holder) return;
    this.options.onChange?.(hold);
    for (const listener of this.listeners) listener(hold);
  }
}
