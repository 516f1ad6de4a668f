import { appMetrics } from '@/lib/server/metrics';
import { appMetricsSources } from '@/lib/server/metrics-sources';
import { requireBearerToken } from '@/lib/server/bearer-token';

export const dynamic = 'force-dynamic';

/** Prometheus metrics (text exposition format). With METRICS_BEARER_TOKEN set, only for `Authorization: Bearer <token>`. */
export async function GET(request: Request): Promise<Response> {
  const denied = requireBearerToken(request, process.env.METRICS_BEARER_TOKEN?.trim(), 'metrics');
  if (denied) return denied;
  const metrics = appMetrics();
  const body = await metrics.render(appMetricsSources());
  return new Response(body, { headers: { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' } });
}
