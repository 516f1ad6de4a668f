// Who may scrape /metrics. It names nodes, consumers and error counts, so it is closed unless the
// operator chose: METRICS_TOKEN (Prometheus sends it as `Authorization: Bearer <token>`), or
// METRICS_OPEN=true for a network where anyone who can reach the console may read it. `npm start`
// says at start which it is.

export type MetricsAccess = { kind: 'token'; token: string } | { kind: 'open' } | { kind: 'closed' };

export function metricsAccessFromEnv(env: Record<string, string | undefined> = process.env): MetricsAccess {
  if (env.METRICS_BEARER_TOKEN?.trim())
    throw new Error(
      'METRICS_BEARER_TOKEN is now METRICS_TOKEN: rename the setting (Prometheus still sends it as a bearer token)',
    );
  const token = env.METRICS_TOKEN?.trim();
  const open = env.METRICS_OPEN?.trim().toLowerCase();
  if (open !== undefined && open !== '' && !['true', 'false', '1', '0'].includes(open))
    throw new Error(`METRICS_OPEN must be true or false, not "${env.METRICS_OPEN}"`);
  if (token) return { kind: 'token', token };
  return open === 'true' || open === '1' ? { kind: 'open' } : { kind: 'closed' };
}

export function describeMetricsAccess(access: MetricsAccess): string {
  if (access.kind === 'token') return '/metrics needs the bearer token METRICS_TOKEN';
  if (access.kind === 'open') return '/metrics is open to anyone who can reach the console (METRICS_OPEN=true)';
  return '/metrics is closed: set METRICS_TOKEN (Prometheus sends it as a bearer token) or METRICS_OPEN=true';
}
