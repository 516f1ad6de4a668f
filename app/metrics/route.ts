import { metricsAccessFromEnv } from '@/lib/metrics/metrics-access';
import { requireBearerToken } from '@/lib/metrics/bearer-token';
import { appMetrics } from '@/lib/server/metrics';
import { appMetricsSources } from '@/lib/metrics/metrics-sources';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

const refusal = (status: number, text: string, headers: Record<string, string> = {}) =>
  new Response(`${text}\n`, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  });

/** Prometheus metrics (text exposition format): with METRICS_TOKEN as a bearer token, or to anyone with METRICS_OPEN=true; closed otherwise. */
export async function GET(request: Request): Promise<Response> {
  let access;
  try {
    access = metricsAccessFromEnv();
  } catch (error) {
    return refusal(500, (error as Error).message);
  }
  if (access.kind === 'closed')
    return refusal(
      403,
      'metrics are closed: set METRICS_TOKEN (sent as Authorization: Bearer <token>) or METRICS_OPEN=true',
    );
  if (access.kind === 'token') {
    const denied = requireBearerToken(request, access.token, 'metrics');
    if (denied) return denied;
  }
  const metrics = appMetrics();
  const body = await metrics.render(appMetricsSources(appContext()));
  return new Response(body, { headers: { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' } });
}
