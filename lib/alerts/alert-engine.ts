// Raises alerts from what the live hub sees and sends them. Every replica runs one: each judges the
// same feed and lag readings, and the database decides which replica raises an occurrence
// (./alert-tables.ts: an alert's unique occurrence key, a condition's turn to active); any replica
// sends a due delivery once it has claimed it. Framework-free: tests run it on a test database.
import type pg from 'pg';

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
import { DEFAULT_DELIVERY_POLICY, nextStep, type DeliveryPolicy } from './delivery-policy';
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
  /** How often due deliveries are looked for (a raise on this replica looks at once). */
  pollMs?: number;
  onError?: (error: unknown) => void;
}

/** Deliveries claimed per look. */
const CLAIM_BATCH = 20;

export class AlertEngine {
  private readonly policy: DeliveryPolicy;
  private readonly known = new Map<string, boolean>();
  private judging = false;
  private sending?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  private detach: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: AlertEngineOptions,
  ) {
    this.policy = options.policy ?? DEFAULT_DELIVERY_POLICY;
  }

  /** Listens to `source` and looks for due deliveries every pollMs. */
  start(source: AlertSource): void {
    this.detach = [
      source.onHealthEventInserted((change) => void this.eventInserted(change)),
      source.onPipelineReading((reading) => void this.judge(reading)),
    ];
    this.timer = setInterval(() => this.sendDue(), this.options.pollMs ?? 1_000);
    this.timer.unref();
    this.sendDue();
  }

  private report(error: unknown): void {
    this.options.onError?.(error);
  }

  /** A CONTACT_SUPPORT event: one alert per event (its record id), whichever replicas see it. */
  async eventInserted(change: ChangeEvent): Promise<void> {
    const alert = contactSupportAlert(change);
    if (alert) await this.raise(alert);
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
  async judge(reading: PipelineMessage): Promise<void> {
    if (this.judging || this.stopped) return;
    this.judging = true;
    try {
      const [window, within] = await Promise.all([this.options.window(), readEventLossWithin(this.pool)]);
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
    // Claimed for longer than an attempt may last, so no other replica takes it meanwhile.
    const claimed = await claimDueDeliveries(this.pool, CLAIM_BATCH, this.policy.timeoutMs * 2 + 5_000);
    await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    if (claimed.length === CLAIM_BATCH) this.again = true;
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
    const body = alertBody(delivery.alert, delivery.destination.format);
    const result = await sendWebhook(delivery.destination.url, body, this.policy.timeoutMs);
    await settleAttempt(this.pool, delivery, result, nextStep(delivery.attempt, result, this.policy));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const detach of this.detach) detach();
    clearInterval(this.timer);
    await this.settled();
  }
}
