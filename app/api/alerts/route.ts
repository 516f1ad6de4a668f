import { readAlerts } from '@/lib/queries/alerts';
import { allow } from '@/lib/server/route-guard';
import { alertEngineHere } from '@/lib/server/alerts';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/** Webhook destinations, their delivery log and the alert settings (admins; the Alerts page's refetch). */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request, 'alerts:manage');
  if (!access.ok) return access.response;
  try {
    return Response.json(await readAlerts(appContext(), alertEngineHere()), {
      headers: { 'Cache-Control': 'no-store' },
    });
  } catch (error) {
    return Response.json({ error: `the alerts are unavailable: ${(error as Error).message}` }, { status: 503 });
  }
}
