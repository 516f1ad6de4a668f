import { readPipeline } from '@/lib/queries/pipeline';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/** Consumer lag, stalled events, dead letters and the changelog (the Pipeline page's refetch). */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request);
  if (!access.ok) return access.response;
  try {
    return Response.json(await readPipeline(appContext()), { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    return Response.json({ error: `the pipeline is unavailable: ${(error as Error).message}` }, { status: 503 });
  }
}
