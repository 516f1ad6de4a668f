// /metrics is closed unless the operator chose a token or opened it (issue 15, item 6).
import { describe, expect, it } from 'vitest';

import { describeMetricsAccess, metricsAccessFromEnv } from '@/lib/metrics/metrics-access';

describe('metricsAccessFromEnv', () => {
  it('is closed when nothing is set, and says how to open it', () => {
    const access = metricsAccessFromEnv({});
    expect(access).toEqual({ kind: 'closed' });
    expect(describeMetricsAccess(access)).toBe(
      '/metrics is closed: set METRICS_TOKEN (Prometheus sends it as a bearer token) or METRICS_OPEN=true',
    );
  });

  it('wants the token when METRICS_TOKEN is set, even with METRICS_OPEN', () => {
    expect(metricsAccessFromEnv({ METRICS_TOKEN: ' scrape-token ' })).toEqual({ kind: 'token', token: 'scrape-token' });
    expect(metricsAccessFromEnv({ METRICS_TOKEN: 'scrape-token', METRICS_OPEN: 'true' })).toEqual({
      kind: 'token',
      token: 'scrape-token',
    });
  });

  it.each([
    ['true', 'open'],
    ['1', 'open'],
    ['TRUE', 'open'],
    ['false', 'closed'],
    ['0', 'closed'],
    ['', 'closed'],
  ])('METRICS_OPEN=%j is %s', (value, kind) => {
    expect(metricsAccessFromEnv({ METRICS_OPEN: value }).kind).toBe(kind);
  });

  it('refuses a METRICS_OPEN that is not a yes or no, and the old METRICS_BEARER_TOKEN with its new name', () => {
    expect(() => metricsAccessFromEnv({ METRICS_OPEN: 'yes please' })).toThrow(
      'METRICS_OPEN must be true or false, not "yes please"',
    );
    expect(() => metricsAccessFromEnv({ METRICS_BEARER_TOKEN: 'old' })).toThrow(
      /METRICS_BEARER_TOKEN is now METRICS_TOKEN/,
    );
  });
});
