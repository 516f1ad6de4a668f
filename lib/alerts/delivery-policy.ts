// How a webhook is sent and tried again: each attempt waits at most `timeoutMs` for an answer; a
// failure that may pass (no answer, a timeout, 408, 429, a 5xx) is tried again after a delay that
// doubles from `firstDelayMs` up to `maxDelayMs`, at most `maxAttempts` times in all; an answer
// that will not change by asking again (another 4xx: a wrong URL, a refused body) fails at once.
import type { Environment } from '@/lib/store';

export interface DeliveryPolicy {
  maxAttempts: number;
  timeoutMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  maxAttempts: 5,
  timeoutMs: 5_000,
  firstDelayMs: 2_000,
  maxDelayMs: 60_000,
};

/**
 * What one attempt got: an HTTP status, or an error before any (refused, timed out, not resolved).
 * `final`: asking again cannot help (the address policy refused the destination).
 */
export type AttemptResult = { statusCode: number; error: null } | { statusCode: null; error: string; final?: boolean };

export function delivered(result: AttemptResult): boolean {
  return result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
}

/** Worth trying again: no answer, a timeout, 408, 429, or a server error; not a refused address. */
export function retryable(result: AttemptResult): boolean {
  if (result.statusCode === null) return result.final !== true;
  return result.statusCode === 408 || result.statusCode === 429 || result.statusCode >= 500;
}

/** The wait before attempt `attempt + 1`, after `attempt` (1-based) failed. */
export function retryDelayMs(attempt: number, policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY): number {
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (attempt - 1));
}

/** After `attempt` (1-based) got `result`: done, try again after a delay, or give up. */
export function nextStep(
  attempt: number,
  result: AttemptResult,
  policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
): { kind: 'delivered' } | { kind: 'retry'; afterMs: number } | { kind: 'failed' } {
  if (delivered(result)) return { kind: 'delivered' };
  if (!retryable(result) || attempt >= policy.maxAttempts) return { kind: 'failed' };
  return { kind: 'retry', afterMs: retryDelayMs(attempt, policy) };
}

function wholeNumber(env: Environment, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  return value;
}

/** ALERT_WEBHOOK_ATTEMPTS (1-20) and ALERT_WEBHOOK_TIMEOUT_MS (500-60000) over the defaults. */
export function deliveryPolicyFromEnv(env: Environment = process.env): DeliveryPolicy {
  return {
    ...DEFAULT_DELIVERY_POLICY,
    maxAttempts: wholeNumber(env, 'ALERT_WEBHOOK_ATTEMPTS', DEFAULT_DELIVERY_POLICY.maxAttempts, 1, 20),
    timeoutMs: wholeNumber(env, 'ALERT_WEBHOOK_TIMEOUT_MS', DEFAULT_DELIVERY_POLICY.timeoutMs, 500, 60_000),
  };
}
