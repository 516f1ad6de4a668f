import { checkReadiness } from '@/lib/server/app-probes';

export const dynamic = 'force-dynamic';

/** Readiness: 200 when the datastore answers and the live hub follows its change feed; 503 naming what is not ready otherwise. */
export async function GET(): Promise<Response> {
  const readiness = await checkReadiness();
  return Response.json(readiness, { status: readiness.ready ? 200 : 503, headers: { 'Cache-Control': 'no-store' } });
}
