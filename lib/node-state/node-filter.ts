// Which nodes a viewer asked for: the Nodes page's filters, kept in the URL and sent with the
// live subscription, so the server and the browser agree on what "in view" means.
import { NODE_STATES, type NodeState, type NodeView } from './node-view';

export interface NodeFilter {
  states?: NodeState[];
  agent?: string;
  check?: string;
  /** Case-insensitive part of the node name. */
  search?: string;
  /** Only nodes whose datastore state and cluster object disagree (applied by the read model, which has the cluster). */
  disagree?: boolean;
  /** Only nodes out of NVSentinel's hands (the maintenance opt-out; applied by the read model, which has the cluster). */
  optedOut?: boolean;
}

const MAX_TEXT = 253;

/** Reads a filter from URL search parameters, dropping what is not a known value. */
export function parseNodeFilter(params: URLSearchParams | Record<string, string | string[] | undefined>): NodeFilter {
  const get = (key: string): string | undefined => {
    const value = params instanceof URLSearchParams ? params.get(key) : params[key];
    const one = Array.isArray(value) ? value[0] : value;
    return one ? one.slice(0, MAX_TEXT) : undefined;
  };
  // Stryker disable next-line StringLiteral: another text than '' for a missing ?state= is equivalent: whatever it splits into is no known state and is dropped; the line's other string mutants are killed by the tests in tests/unit/node-state
  const states = (get('state') ?? '')
    .split(',')
    .filter((state): state is NodeState => (NODE_STATES as readonly string[]).includes(state));
  const filter: NodeFilter = {};
  if (states.length) filter.states = states;
  const agent = get('agent');
  const check = get('check');
  const search = get('q')?.trim();
  // Stryker disable next-line ConditionalExpression: `if (true)` is equivalent: it sets agent to undefined, which every reader treats as no filter (and JSON drops); `if (false)` is killed by the tests in tests/unit/node-state
  if (agent) filter.agent = agent;
  // Stryker disable next-line ConditionalExpression: `if (true)` is equivalent: it sets check to undefined, which every reader treats as no filter (and JSON drops); `if (false)` is killed by the tests in tests/unit/node-state
  if (check) filter.check = check;
  if (search) filter.search = search;
  if (get('disagree') === '1') filter.disagree = true;
  if (get('optedOut') === '1') filter.optedOut = true;
  return filter;
}

/** The URL search string of a filter (without '?'), the inverse of parseNodeFilter. */
export function nodeFilterToSearch(filter: NodeFilter): string {
  const params = new URLSearchParams();
  if (filter.states?.length) params.set('state', filter.states.join(','));
  if (filter.agent) params.set('agent', filter.agent);
  if (filter.check) params.set('check', filter.check);
  if (filter.search) params.set('q', filter.search);
  if (filter.disagree) params.set('disagree', '1');
  if (filter.optedOut) params.set('optedOut', '1');
  return params.toString();
}

export function matchesNodeFilter(view: NodeView, filter: NodeFilter): boolean {
  if (filter.states?.length && !filter.states.includes(view.state)) return false;
  if (filter.agent && !view.agents.includes(filter.agent)) return false;
  if (filter.check && !view.checks.includes(filter.check)) return false;
  if (filter.search && !view.name.toLowerCase().includes(filter.search.toLowerCase())) return false;
  return true;
}
