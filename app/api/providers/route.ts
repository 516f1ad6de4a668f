import { readProvidersView } from '@/lib/queries/providers';

export const dynamic = 'force-dynamic';

/** Every configured datastore: provider, capabilities, ping, operation latency, pool, changelog, events and consumer lag (the Providers page's 5-s refresh). */
export async function GET(): Promise<Response> {
  try {
    return Response.json(await readProvidersView(), { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    return Response.json({ error: `provider figures are unavailable: ${(error as Error).message}` }, { status: 503 });
  }
}
