// What a bulk quarantine or release accepts, and how it refuses the rest: every refusal names what
// is wrong, and a filter is read strictly, since a misspelt part would widen it to more nodes.
import { describe, expect, it } from 'vitest';

import { BULK_NODE_CAP, parseBulkNodeAction } from '@/lib/actions/bulk-node-input';

describe('bulk node action input', () => {
  it('takes node names and a reason, the reason normalised as a single action does', () => {
    expect(parseBulkNodeAction({ nodes: ['gpu-1', 'gpu-2'], reason: '  rack 7 power work ' })).toEqual({
      ok: true,
      value: { target: { kind: 'nodes', names: ['gpu-1', 'gpu-2'] }, reason: 'rack 7 power work', dryRun: false },
    });
  });

  it("takes the Nodes page's query string as a filter, ignoring its paging and column sort", () => {
    expect(parseBulkNodeAction({ filter: 'state=quarantined&sort=fatal&dir=desc', dryRun: true })).toMatchObject({
      ok: true,
      value: { target: { kind: 'filter', filter: { states: ['quarantined'] } } },
    });
    expect(
      parseBulkNodeAction({ filter: 'state=healthy,unhealthy&q=gpu-node-01&page=3', reason: 'rack 7', dryRun: false }),
    ).toEqual({
      ok: true,
      value: {
        target: {
          kind: 'filter',
          filter: { states: ['healthy', 'unhealthy'], search: 'gpu-node-01' },
          search: 'state=healthy%2Cunhealthy&q=gpu-node-01&page=3',
        },
        reason: 'rack 7',
        dryRun: false,
      },
    });
    // An empty filter is every node (the cap still holds, checked against what it matches).
    expect(parseBulkNodeAction({ filter: '', dryRun: true })).toMatchObject({
      ok: true,
      value: { target: { kind: 'filter', filter: {} } },
    });
  });

  it('a dry run needs no reason; a real run does', () => {
    expect(parseBulkNodeAction({ nodes: ['gpu-1'], dryRun: true })).toMatchObject({
      ok: true,
      value: { reason: null, dryRun: true },
    });
    expect(parseBulkNodeAction({ nodes: ['gpu-1'] })).toEqual({
      ok: false,
      error: 'reason is required (3 to 500 characters)',
    });
  });

  it.each([
    [
      { nodes: ['gpu-1'], filter: 'state=healthy', reason: 'rack 7' },
      'give either nodes (a list of node names) or filter',
    ],
    [{ reason: 'rack 7' }, 'give nodes (a list of node names) or filter'],
    [{ nodes: [], reason: 'rack 7' }, 'nodes must name at least one node'],
    [{ nodes: 'gpu-1', reason: 'rack 7' }, 'nodes must be a list of node names'],
    [{ nodes: ['gpu-1', 'GPU_2'], reason: 'rack 7' }, 'nodes[1]: node name must be a Kubernetes node name'],
    [{ nodes: ['gpu-1', 7], reason: 'rack 7' }, 'nodes[1]: node name must be text'],
    [{ nodes: ['gpu-1', 'gpu-1'], reason: 'rack 7' }, 'nodes lists gpu-1 twice'],
    [{ nodes: ['gpu-1'], reason: 'x' }, 'reason must be at least 3 characters'],
    [{ nodes: ['gpu-1'], reason: 'rack\u202e7' }, 'reason must not contain text-direction characters'],
    [{ nodes: ['gpu-1'], reason: 'rack 7', dryRun: 'yes' }, 'dryRun must be true or false'],
    [{ nodes: ['gpu-1'], reason: 'rack 7', node: 'gpu-2' }, 'unknown field "node"'],
    [{ filter: 'stat=healthy', reason: 'rack 7' }, 'filter has an unknown parameter "stat"; it takes state, agent'],
    [{ filter: 'state=heathy', reason: 'rack 7' }, 'filter has an unknown state "heathy"; states are healthy'],
    [{ filter: 'state=healthy&state=unhealthy', reason: 'rack 7' }, 'filter gives state twice'],
    [{ filter: 'disagree=yes', reason: 'rack 7' }, `filter's disagree must be 1 (got "yes")`],
    [{ filter: 'q=', reason: 'rack 7' }, "filter's q is empty"],
    [{ filter: 7, reason: 'rack 7' }, "filter must be text: the Nodes page's query string"],
    [['gpu-1'], 'expected { nodes: [names] } or { filter: "<query string>" }'],
  ])('refuses %j: %s', (input, error) => {
    const parsed = parseBulkNodeAction(input);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toContain(error);
  });

  it(`takes ${BULK_NODE_CAP} nodes and refuses one more, naming the cap`, () => {
    const names = (count: number) => Array.from({ length: count }, (_, index) => `gpu-${index}`);
    expect(parseBulkNodeAction({ nodes: names(BULK_NODE_CAP), reason: 'rack 7' }).ok).toBe(true);
    expect(parseBulkNodeAction({ nodes: names(BULK_NODE_CAP + 1), reason: 'rack 7' })).toEqual({
      ok: false,
      error: `a bulk action takes at most ${BULK_NODE_CAP} nodes (got ${BULK_NODE_CAP + 1})`,
    });
  });
});
