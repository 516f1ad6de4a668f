import { bulkNodeActionResponse } from '@/lib/actions/mutation-route';

export const dynamic = 'force-dynamic';

/** POST { nodes: [names] } or { filter: "<Nodes page query>" }, with reason and dryRun: quarantine each node (operator). */
export async function POST(request: Request) {
  return bulkNodeActionResponse(request, 'quarantine');
}
