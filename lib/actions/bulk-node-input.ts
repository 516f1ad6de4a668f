// What an operator may send to quarantine or release many nodes at once: the nodes by name, or
// every node the Nodes page's filter matches (its query string), a reason, and whether it is only
// a dry run. Checked before anything is read; each node is then checked again, and acted on, by
// the single-node mutation (./bulk-node-actions.ts). A filter is read strictly: a misspelt
// parameter or state would widen the filter to more nodes than meant, so it is refused by name.
import { z } from 'zod';

import { NODE_STATES } from '@/lib/node-state/node-view';
import { parseNodeFilter, type NodeFilter } from '@/lib/node-state/node-filter';

import { firstIssue, type Parsed } from './mutation';
import { nodeActionInput } from './node-action-input';
import { reasonText } from './reason-text';

/** The most nodes one bulk action takes. */
export const BULK_NODE_CAP = 500;
const MAX_FILTER_LENGTH = 2_000;

/** The Nodes page's filter parameters, and its paging, which a bulk action ignores (it takes every page). */
const FILTER_PARAMETERS = ['state', 'agent', 'check', 'q', 'disagree', 'optedOut'];
// The page's paging and column sort: a bulk action takes every node the filter matches, in any order.
const IGNORED_PARAMETERS = ['page', 'pageSize', 'sort', 'dir'];

export type BulkNodeTarget =
  { kind: 'nodes'; names: string[] } | { kind: 'filter'; filter: NodeFilter; search: string };

export interface BulkNodeInput {
  target: BulkNodeTarget;
  /** null only for a dry run, which changes nothing. */
  reason: string | null;
  dryRun: boolean;
}

const bulkNodeShape = z
  .object(
    {
      nodes: z.array(z.unknown(), { error: 'nodes must be a list of node names' }).optional(),
      filter: z
        .string({ error: "filter must be text: the Nodes page's query string, such as state=healthy&q=gpu-node-01" })
        .max(MAX_FILTER_LENGTH, `filter must be at most ${MAX_FILTER_LENGTH} characters`)
        .optional(),
      reason: reasonText.optional(),
      dryRun: z.boolean({ error: 'dryRun must be true or false' }).optional(),
    },
    { error: 'expected { nodes: [names] } or { filter: "<query string>" }, with reason and dryRun' },
  )
  .strict();

/** The node names of a list, or what is wrong with it (the first entry that is not a node name, a repeat, too many). */
function readNames(nodes: unknown[]): Parsed<string[]> {
  if (nodes.length === 0) return { ok: false, error: 'nodes must name at least one node' };
  if (nodes.length > BULK_NODE_CAP)
    return { ok: false, error: `a bulk action takes at most ${BULK_NODE_CAP} nodes (got ${nodes.length})` };
  const seen = new Set<string>();
  for (const [index, entry] of nodes.entries()) {
    const name = nodeActionInput.shape.nodeName.safeParse(entry);
    if (!name.success) return { ok: false, error: `nodes[${index}]: ${name.error.issues[0].message}` };
    if (seen.has(name.data)) return { ok: false, error: `nodes lists ${name.data} twice` };
    seen.add(name.data);
  }
  return { ok: true, value: [...seen] };
}

/** The Nodes page's query string as a filter, refusing what parseNodeFilter would drop silently. */
export function readBulkFilter(search: string): Parsed<{ filter: NodeFilter; search: string }> {
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (IGNORED_PARAMETERS.includes(name)) continue;
    if (!FILTER_PARAMETERS.includes(name))
      return {
        ok: false,
        error: `filter has an unknown parameter "${name}"; it takes ${FILTER_PARAMETERS.join(', ')}`,
      };
    if (seen.has(name)) return { ok: false, error: `filter gives ${name} twice` };
    seen.add(name);
    if (name === 'state') {
      const unknown = value.split(',').find((state) => !(NODE_STATES as readonly string[]).includes(state));
      if (unknown !== undefined)
        return { ok: false, error: `filter has an unknown state "${unknown}"; states are ${NODE_STATES.join(', ')}` };
    }
    if ((name === 'disagree' || name === 'optedOut') && value !== '1')
      return { ok: false, error: `filter's ${name} must be 1 (got "${value}")` };
    if (value.trim() === '') return { ok: false, error: `filter's ${name} is empty` };
  }
  const filter = parseNodeFilter(params);
  return { ok: true, value: { filter, search: params.toString() } };
}

/** Parses raw input; the error names the first thing wrong. */
export function parseBulkNodeAction(input: unknown): Parsed<BulkNodeInput> {
  const parsed = bulkNodeShape.safeParse(input);
  if (!parsed.success)
    return {
      ok: false,
      error:
        parsed.error.issues[0].code === 'unrecognized_keys'
          ? `unknown field ${(parsed.error.issues[0] as { keys: string[] }).keys.map((key) => `"${key}"`).join(', ')}; a bulk action takes nodes or filter, reason and dryRun`
          : firstIssue(
              parsed.error.issues,
              '{ nodes: [names] } or { filter: "<query string>" }, with reason and dryRun',
            ),
    };
  const { nodes, filter, reason, dryRun = false } = parsed.data;
  if (nodes !== undefined && filter !== undefined)
    return { ok: false, error: 'give either nodes (a list of node names) or filter (a query string), not both' };
  if (nodes === undefined && filter === undefined)
    return { ok: false, error: 'give nodes (a list of node names) or filter (the Nodes page query string)' };
  if (reason === undefined && !dryRun) return { ok: false, error: 'reason is required (3 to 500 characters)' };
  let target: BulkNodeTarget;
  if (nodes !== undefined) {
    const names = readNames(nodes);
    if (!names.ok) return names;
    target = { kind: 'nodes', names: names.value };
  } else {
    const read = readBulkFilter(filter!);
    if (!read.ok) return read;
    target = { kind: 'filter', ...read.value };
  }
  return { ok: true, value: { target, reason: reason ?? null, dryRun } };
}
