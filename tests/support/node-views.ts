// What a user sees of a node, for tests that compare a projection kept or followed by the console
// with one read from the datastore: everything but when it entered its state (a build estimates it).
import type { NodeView } from '@/lib/node-state/node-view';

export const shown = (view: NodeView) => ({
  name: view.name,
  state: view.state,
  fatalCount: view.fatalCount,
  openFaults: view.openFaults,
  lastEventAt: view.lastEventAt,
  checks: view.checks,
  agents: view.agents,
  session: view.session?.recordId ?? null,
});
