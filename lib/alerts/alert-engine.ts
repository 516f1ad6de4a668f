// Raises alerts from what the live hub sees and sends them. Every replica runs one: each judges the
// same feed and lag readings, and the database decides which replica raises an occurrence
// (./alert-tables.ts: an alert's unique occurrence key, a condition's turn to active); any replica
// sends a due delivery once it has claimed it. Framework-free: tests run it on a test database.
import os from 'node:os';

import type pg from 'pg';

import { SharedRateLimiter } from '@/lib/security/shared-rate-limiter';

import type { PipelineMessage } from '@/lib/live/live-messages';
import type { EventLossWindow } from '@/lib/queries/event-loss-view';
import type { ChangeEvent } from '@/lib/store';

import type { Alert } from './alert';
import { alertBody } from './alert-payload';
import { contactSupportAlert, pipelineConditions, type BreakerReading } from './alert-detectors';
import {
  claimDueDeliveries,
  raiseAlert,
  readEventLossWithin,
  settleAttempt,
  turnCondition,
  type ClaimedDelivery,
} from './alert-tables';
import { destinationsWithFolded, foldDelivery, hasFolded, summarizeFolded } from './alert-folding';
import { summaryAlert } from './alert-summary';
import { DEFAULT_DELIVERY_POLICY, nextStep, type DeliveryPolicy } from './delivery-policy';
import { engineBeat, engineStarted, engineStopped } from './engine-heartbeat';
import { webhookAddressPolicyFromEnv, type ResolveHost, type WebhookAddressPolicy } from './webhook-address-policy';
import { sendWebhook } from './webhook-send';

/** What the engine listens to (the live hub). */
export interface AlertSource {
  onHealthEventInserted(listener: (change: ChangeEvent) => void): () => void;
  onPipelineReading(listener: (reading: PipelineMessage) => void): () => void;
}

export interface AlertEngineOptions {
  /** How long a change stays in the feed's storage (./event-loss-window.ts). */
  window: () => Promise<EventLossWindow>;
  /** The circuit breaker as watched; null without a cluster. */
  breaker?: () => BreakerReading | null;
  policy?: DeliveryPolicy;
  /** Where webhooks may go (default: ALERT_WEBHOOK_ALLOWED_HOSTS and ALERT_WEBHOOK_ALLOW_HTTP as set now). */
  addressPolicy?: WebhookAddressPolicy;
  /** How host names are resolved before each send (default: the system's resolver). */
  resolveHost?: ResolveHost;
  /** How often due deliveries are looked for (a raise on this replica looks at once). */
  pollMs?: number;
  /** CONTACT_SUPPORT alerts stored at once (each holds a pool connection); the rest wait their turn. */
  raiseConcurrency?: number;
  /** A CONTACT_SUPPORT event committed longer ago than this is not sent (a backlog replayed after downtime). */
  maxEventAgeMs?: number;
  /** This replica's name in the engines' heartbeat rows (default: host name and process id). */
  replica?: string;
  /** The window a destination's max_per_minute counts sends over (default a minute; shorter in tests). */
  rateWindowMs?: number;
  /** The console's public URL (BETTER_AUTH_URL), for the Events link in a summary of folded alerts. */
  consoleUrl?: string;
  onError?: (error: unknown) => void;
  /** What the engine chose not to do, in words (events too old to send). */
  onNotice?: (message: string) => void;
}

/** Deliveries claimed per look. */
const CLAIM_BATCH = 20;
export const DEFAULT_RAISE_CONCURRENCY = 2;
export const DEFAULT_MAX_EVENT_AGE_MS = 3_600_000;
/** The heartbeat row is written at most this often (the engine looks every pollMs). */
const BEAT_EVERY_MS = 5_000;
/** Sends per destination are counted over a sliding minute, across replicas (console_rate_windows). */
const RATE_WINDOW_MS = 60_000;

export class AlertEngine {
  private readonly policy: DeliveryPolicy;
  private readonly addressPolicy: WebhookAddressPolicy;
  private readonly known = new Map<string, boolean>();
  private judging = false;
  private sending?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  private detach: (() => void)[] = [];
  private stopped = false;
  /** CONTACT_SUPPORT alerts waiting to be stored, and how many are being stored now. */
  private readonly raises: { alert: Alert; done: () => void }[] = [];
  private raising = 0;
  /** Old events skipped since the last notice (told once the queue is empty). */
  private tooOld = 0;
  /** Judgements and raises under way, which stop() waits for. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Why the window could not be read, as last told (undefined: it could). */
  private windowProblem?: string;
  readonly replica: string;
  private lastBeat = -Infinity;
  /** Per destination: no place in its minute before this time (ms), as the limiter last said. */
  private readonly fullUntil = new Map<string, number>();
  /** One limiter per rate in use (they share the destinations' rows; the rate is the check's). */
  private readonly limiters = new Map<number, SharedRateLimiter>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: AlertEngineOptions,
  ) {
    this.policy = options.policy ?? DEFAULT_DELIVERY_POLICY;
    this.addressPolicy = options.addressPolicy ?? webhookAddressPolicyFromEnv();
    this.replica = options.replica ?? `${os.hostname()}:${process.pid}`;
  }

  /** Listens to `source` and looks for due deliveries every pollMs. */
  start(source: AlertSource): void {
    this.detach = [
      source.onHealthEventInserted((change) => {
        this.eventInserted(change).catch((error) => this.report(error));
      }),
      source.onPipelineReading((reading) => {
        this.judge(reading).catch((error) => this.report(error));
      }),
    ];
    this.timer = setInterval(() => this.sendDue(), this.options.pollMs ?? 1_000);
    this.timer.unref();
    this.lastBeat = Date.now();
    void this.track(engineStarted(this.pool, this.replica).catch((error) => this.report(error)));
    this.sendDue();
  }

  private report(error: unknown): void {
    this.options.onError?.(error);
  }

  /** Runs `work`, kept so stop() can wait for it. */
  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  /**
   * A CONTACT_SUPPORT event: one alert per event (its record id), whichever replicas see it. Stored
   * at most `raiseConcurrency` at a time (a burst of inserts waits its turn rather than taking every
   * pool connection); one committed more than `maxEventAgeMs` ago (a backlog the feed replays after
   * downtime) is not news and is not sent. Resolves once this event's alert was stored (or skipped).
   */
  eventInserted(change: ChangeEvent): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const alert = contactSupportAlert(change);
    if (!alert) return Promise.resolve();
    if (Date.now() - change.committedAt.getTime() > (this.options.maxEventAgeMs ?? DEFAULT_MAX_EVENT_AGE_MS)) {
      this.tooOld += 1;
      this.tellTooOld();
      return Promise.resolve();
    }
    return new Promise<void>((done) => {
      this.raises.push({ alert, done });
      this.nextRaise();
    });
  }

  private tellTooOld(): void {
    if (this.tooOld === 0 || this.raises.length > 0 || this.raising > 0) return;
    const limit = Math.round((this.options.maxEventAgeMs ?? DEFAULT_MAX_EVENT_AGE_MS) / 60_000);
    this.options.onNotice?.(
      `${this.tooOld} CONTACT_SUPPORT event${this.tooOld === 1 ? '' : 's'} committed more than ${limit} min ago not sent (a backlog, not news)`,
    );
    this.tooOld = 0;
  }

  private nextRaise(): void {
    while (this.raising < (this.options.raiseConcurrency ?? DEFAULT_RAISE_CONCURRENCY) && this.raises.length > 0) {
      const { alert, done } = this.raises.shift()!;
      this.raising += 1;
      void this.track(this.raise(alert)).finally(() => {
        this.raising -= 1;
        done();
        this.nextRaise();
        this.tellTooOld();
      });
    }
  }

  private async raise(alert: Alert): Promise<void> {
    try {
      if ((await raiseAlert(this.pool, alert)) !== null) this.sendDue();
    } catch (error) {
      this.report(error);
    }
  }

  /**
   * Judges the conditions a lag reading shows. The database is asked only when this replica's
   * judgement of a condition changed, and raises it for one replica. One judgement at a time: a
   * reading that comes while one runs is skipped (the next comes in 2 s).
   */
  judge(reading: PipelineMessage): Promise<void> {
    if (this.judging || this.stopped) return Promise.resolve();
    this.judging = true;
    return this.track(this.judgeNow(reading));
  }

  private async judgeNow(reading: PipelineMessage): Promise<void> {
    try {
      const [window, within] = await Promise.all([this.readWindow(), readEventLossWithin(this.pool)]);
      const breaker = this.options.breaker?.() ?? null;
      for (const condition of pipelineConditions(reading, window, within, breaker)) {
        const key = `${condition.kind}\u0000${condition.subject}`;
        if (this.known.get(key) === condition.active) continue;
        // The turn and its alert are stored in one transaction: if storing fails, neither is, and
        // `known` is not set, so the next reading turns the condition and raises it again.
        const turn = await turnCondition(this.pool, condition.kind, condition.subject, condition.active, (episode) =>
          condition.alert(episode),
        );
        if (turn.kind === 'quiet') continue;
        this.known.set(key, condition.active);
        if (turn.kind === 'raised') this.sendDue();
      }
    } catch (error) {
      this.report(error);
    } finally {
      this.judging = false;
    }
  }

  /**
   * The feed's window, or null when it cannot be had (a bad CHANGELOG_RETENTION, stats unreadable):
   * the other conditions are judged without it, and each new reason is told once.
   */
  private async readWindow(): Promise<EventLossWindow | null> {
    try {
      const window = await this.options.window();
      this.windowProblem = undefined;
      return window;
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.windowProblem)
        this.report(new Error(`event-loss alerts are off until this is fixed: ${message}`));
      this.windowProblem = message;
      return null;
    }
  }

  /** Sends what is due, one look at a time (a call during a look makes another look after it). */
  sendDue(): void {
    if (this.stopped) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = this.sendBatch()
      .catch((error) => this.report(error))
      .finally(() => {
        this.sending = undefined;
        if (this.again) {
          this.again = false;
          this.sendDue();
        }
      });
  }

  /** Resolves once the current look for due deliveries (if any) ended. */
  async settled(): Promise<void> {
    while (this.sending) await this.sending;
  }

  private async sendBatch(): Promise<void> {
    if (Date.now() - this.lastBeat >= BEAT_EVERY_MS) {
      this.lastBeat = Date.now();
      await engineBeat(this.pool, this.replica);
    }
    // Claimed for longer than an attempt may last, so no other replica takes it meanwhile.
    const claimed = await claimDueDeliveries(this.pool, CLAIM_BATCH, this.policy.timeoutMs * 2 + 5_000);
    await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    if (claimed.length === CLAIM_BATCH) this.again = true;
    if (await this.summarize()) this.again = true;
  }

  /** A sliding minute of sends per destination, shared by every replica; `limit` is the destination's own. */
  private limiter(limit: number): SharedRateLimiter {
    let limiter = this.limiters.get(limit);
    if (!limiter) {
      limiter = new SharedRateLimiter('alert-destination', limit, this.options.rateWindowMs ?? RATE_WINDOW_MS);
      this.limiters.set(limit, limiter);
    }
    return limiter;
  }

  /**
   * Whether the delivery may be sent now under its destination's rate: a summary always; another
   * not while folded alerts wait for their summary (it goes first), nor when the minute is full.
   */
  private async withinRate(delivery: ClaimedDelivery): Promise<boolean> {
    if (delivery.summary) return true;
    const { id, maxPerMinute } = delivery.destination;
    if ((this.fullUntil.get(id) ?? 0) > Date.now() || (await hasFolded(this.pool, id))) return false;
    const taken = await this.limiter(maxPerMinute).take(this.pool, id);
    if (taken.taken) return true;
    this.fullUntil.set(id, Date.now() + taken.waitMs);
    return false;
  }

  /**
   * Sums up the folded alerts of each destination that has room again (a place in its minute,
   * taken for the summary's send) in one summary delivery; true when one was made (sent at the
   * next look, at once).
   */
  private async summarize(): Promise<boolean> {
    let made = false;
    for (const { id, maxPerMinute } of await destinationsWithFolded(this.pool)) {
      if ((this.fullUntil.get(id) ?? 0) > Date.now()) continue;
      const limiter = this.limiter(maxPerMinute);
      const taken = await limiter.take(this.pool, id);
      if (!taken.taken) {
        this.fullUntil.set(id, Date.now() + taken.waitMs);
        continue;
      }
      const now = new Date();
      const summaryId = await summarizeFolded(this.pool, id, (folded) =>
        summaryAlert({
          destinationId: id,
          key: folded.key,
          folded: folded.counts,
          maxPerMinute,
          firstRaisedAt: folded.firstRaisedAt,
          now,
          consoleUrl: this.options.consoleUrl,
        }),
      );
      // Another replica summed them up first: the place goes back.
      if (summaryId === null) await limiter.giveBack(this.pool, id, taken.place);
      else made = true;
    }
    return made;
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    if (delivery.attempt > this.policy.maxAttempts) {
      // The last attempt was made but its outcome never stored (a database error, a replica that
      // ended): it is not made again.
      const lost = {
        statusCode: null,
        error: 'gave up: the outcome of the last attempt was never recorded',
        durationMs: 0,
      };
      await settleAttempt(this.pool, delivery, lost, { kind: 'failed' });
      return;
    }
    if (!(await this.withinRate(delivery))) {
      await foldDelivery(this.pool, delivery, delivery.destination.maxPerMinute);
      return;
    }
    const body = alertBody(delivery.alert, delivery.destination.format);
    const result = await sendWebhook(
      delivery.destination.url,
      body,
      this.policy.timeoutMs,
      this.addressPolicy,
      this.options.resolveHost,
    );
    await settleAttempt(this.pool, delivery, result, nextStep(delivery.attempt, result, this.policy));
  }

  /** Stops listening and sending; resolves once the judgements, raises and sends under way ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const detach of this.detach) detach();
    clearInterval(this.timer);
    // Alerts still queued are dropped: every replica hears the same feed, and any still running raises them.
    for (const { done } of this.raises.splice(0)) done();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.settled();
    // Said in the database, so the Alerts page shows this replica's engine stopped, not silent.
    if (this.detach.length > 0) await engineStopped(this.pool, this.replica).catch((error) => this.report(error));
  }
}
