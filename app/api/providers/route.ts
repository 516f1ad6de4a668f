import { readProvidersView } from '@/lib/queries/providers';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/** Every configured datastore: provider, capabilities, ping, operation latency, pool, changelog, events and consumer lag (the Providers page's 5-s refresh). */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request);
  if (!access.ok) return access.response;
  try {
    return Response.json(await readProvidersView(appContext()), { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    return Response.json({ error: `provider figures are unavailable: ${(error as Error).message}` }, { status: 503 });
  }
}
