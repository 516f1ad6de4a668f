// One page of the Nodes page from the node views: filtered, ordered (worst first unless a column is
// asked for), paged, with the counts per state and the agents and checks for the filter menus. Pure,
// so it is tested alone.
import { matchesNodeFilter, type NodeFilter } from './node-filter';
import type { NodePageRequest } from './node-order';
import type { NodeSort } from './node-sort';
import { orderedPage } from './page-order';
import type { NodeState, NodeView } from './node-view';

export interface NodeList {
  /** The requested page of the matching nodes, in the requested order (worst first by default). */
  nodes: NodeView[];
  /** How many nodes match the filter. */
  matching: number;
  /** Zero-based page shown (the last one when the request asked past the end). */
  page: number;
  pageSize: number;
  pages: number;
  counts: Record<NodeState, number>;
  total: number;
  /** Every agent and check seen, for the filter menus. */
  agents: string[];
  checks: string[];
}

/** A page of the list, in a column's order (./node-sort.ts) or, without one, worst first. */
export interface NodeListRequest extends NodePageRequest {
  sort?: NodeSort;
}

export function nodeListOf(
  all: NodeView[],
  counts: Record<NodeState, number>,
  filter: NodeFilter,
  request: NodeListRequest,
  options: {
    /** A further test the caller applies before paging (the read model's cluster disagreement). */
    alsoMatches?: (view: NodeView) => boolean;
    /** The filter menus as the projection keeps them; collected from `all` when not given. */
    menus?: { agents: string[]; checks: string[] };
  } = {},
): NodeList {
  const alsoMatches = options.alsoMatches ?? (() => true);
  const menus = options.menus ?? menusOf(all);
  const matching = all.filter((view) => matchesNodeFilter(view, filter) && alsoMatches(view));
  const pages = Math.max(1, Math.ceil(matching.length / request.pageSize));
  const page = Math.min(request.page, pages - 1);
  return {
    // Sorted on numbers, and only the page where it can be (./page-order.ts): 100,000 nodes sorted whole by compareBy took most of a request.
    nodes: orderedPage(matching, request.sort, page * request.pageSize, (page + 1) * request.pageSize),
    matching: matching.length,
    page,
    pageSize: request.pageSize,
    pages,
    counts,
    total: all.length,
    agents: menus.agents,
    checks: menus.checks,
  };
}

/** Every agent and check the views name, sorted. */
function menusOf(all: readonly NodeView[]): { agents: string[]; checks: string[] } {
  const agents = new Set<string>();
  const checks = new Set<string>();
  for (const view of all) {
    for (const agent of view.agents) agents.add(agent);
    for (const check of view.checks) checks.add(check);
  }
  return { agents: [...agents].sort(), checks: [...checks].sort() };
}
