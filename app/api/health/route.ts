import { checkSystemHealth } from '@/lib/server/app-probes';

export const dynamic = 'force-dynamic';

/** Liveness: 200 while the process serves requests; the body says whether the database is fine. */
export async function GET() {
  const health = await checkSystemHealth();
  return Response.json(health, { headers: { 'Cache-Control': 'no-store' } });
}
