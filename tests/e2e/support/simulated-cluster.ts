// The simulated cluster npm start runs beside the dashboard, through its control endpoint.
import { simulatorControlURL } from '../../../playwright.config';

/**
 * Whether `name` is a node of the simulated cluster (the event generator's gpu-node-NNNN): only
 * those can be muted. Other specs add nodes of their own (alerts.spec's e2e-alerts-…,
 * reliability.spec's e2e-reliability-…), which sort first by name among healthy nodes.
 */
export function isSimulatedNode(name: string | null | undefined): name is string {
  return typeof name === 'string' && /^gpu-node-\d+$/.test(name);
}

/** Nodes this worker muted and has not unmuted yet. */
const muted = new Set<string>();

async function nodeAction(name: string, action: 'mute' | 'unmute'): Promise<void> {
  const response = await fetch(`${simulatorControlURL}/nodes/${encodeURIComponent(name)}/${action}`, {
    method: 'POST',
  });
  if (!response.ok) throw new Error(`${action} ${name}: ${response.status} ${await response.text()}`);
}

/**
 * Silences a node's simulated monitors, so no random fault (or its recovery) races a test acting on
 * the node by hand. An event written just before may still arrive: callers check the state after.
 * A spec that mutes registers `test.afterEach(unmuteAll)`.
 */
export async function muteNode(name: string): Promise<void> {
  await nodeAction(name, 'mute');
  muted.add(name);
}

/** Every node this worker muted reports again. */
export async function unmuteAll(): Promise<void> {
  for (const name of muted) await nodeAction(name, 'unmute');
  muted.clear();
}
