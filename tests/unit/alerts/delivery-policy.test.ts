// How a webhook delivery is tried again: growing waits up to a cap, a bounded number of attempts,
// no retry for an answer that asking again will not change.
import { describe, expect, it } from 'vitest';

import { DEFAULT_DELIVERY_POLICY, deliveryPolicyFromEnv, nextStep, retryDelayMs } from '@/lib/alerts/delivery-policy';

const status = (statusCode: number) => ({ statusCode, error: null });
const failure = (error: string) => ({ statusCode: null, error });

describe('the delivery policy', () => {
  it('is done on any 2xx', () => {
    expect(nextStep(1, status(200))).toEqual({ kind: 'delivered' });
    expect(nextStep(3, status(204))).toEqual({ kind: 'delivered' });
  });

  it('tries again after no answer, a timeout, 408, 429 or a 5xx, waiting twice as long each time up to a minute', () => {
    expect(nextStep(1, failure('connect ECONNREFUSED'))).toEqual({ kind: 'retry', afterMs: 2_000 });
    expect(nextStep(2, status(503))).toEqual({ kind: 'retry', afterMs: 4_000 });
    expect(nextStep(3, status(429))).toEqual({ kind: 'retry', afterMs: 8_000 });
    expect(nextStep(4, status(408))).toEqual({ kind: 'retry', afterMs: 16_000 });
    expect(retryDelayMs(10)).toBe(60_000);
  });

  it('fails at once when the address policy refused the destination (asking again cannot help)', () => {
    expect(nextStep(1, { statusCode: null, error: "refused: url's host 10.0.0.1 is …", final: true })).toEqual({
      kind: 'failed',
    });
  });

  it('gives up after the last attempt', () => {
    expect(nextStep(DEFAULT_DELIVERY_POLICY.maxAttempts, status(500))).toEqual({ kind: 'failed' });
    expect(nextStep(2, status(500), { ...DEFAULT_DELIVERY_POLICY, maxAttempts: 2 })).toEqual({ kind: 'failed' });
  });

  it('fails at once on another 4xx or a redirect: asking again gets the same answer', () => {
    expect(nextStep(1, status(404))).toEqual({ kind: 'failed' });
    expect(nextStep(1, status(400))).toEqual({ kind: 'failed' });
    expect(nextStep(1, status(302))).toEqual({ kind: 'failed' });
  });

  it('reads attempts and the timeout from the environment, naming a bad setting', () => {
    expect(deliveryPolicyFromEnv({ ALERT_WEBHOOK_ATTEMPTS: '3', ALERT_WEBHOOK_TIMEOUT_MS: '1500' })).toMatchObject({
      maxAttempts: 3,
      timeoutMs: 1_500,
    });
    expect(deliveryPolicyFromEnv({})).toEqual(DEFAULT_DELIVERY_POLICY);
    expect(() => deliveryPolicyFromEnv({ ALERT_WEBHOOK_ATTEMPTS: '0' })).toThrow(
      'ALERT_WEBHOOK_ATTEMPTS must be a whole number from 1 to 20 (got "0")',
    );
  });
});
