import { checkReliabilityParams } from '@/lib/queries/reliability-view';
import { readReliabilityView } from '@/lib/queries/reliability';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/** Reliability figures for ?range=24h|7d|30d&by=check|agent|node (the Reliability page's refetch); 400 naming a bad parameter. */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request);
  if (!access.ok) return access.response;
  const params = checkReliabilityParams(new URL(request.url).searchParams);
  if (!params.ok)
    return Response.json({ error: params.error }, { status: 400, headers: { 'Cache-Control': 'no-store' } });
  try {
    return Response.json(await readReliabilityView(appContext(), params.range, params.by), {
      headers: { 'Cache-Control': 'no-store' },
    });
  } catch (error) {
    return Response.json(
      { error: `reliability figures are unavailable: ${(error as Error).message}` },
      { status: 503 },
    );
  }
}
