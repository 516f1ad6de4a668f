// The Nodes page's agent and check menus and its counts per state, kept by the projection as views change
// (NodeProjection.filterMenus, counts) instead of collected from every node per request: they list exactly
// what the nodes' views name, through live changes, kept records imported over held ones, a page of
// a build replacing some nodes, and a clear. A name no view holds any more leaves the menu.
import { describe, expect, it } from 'vitest';

import { NodeProjection } from '@/lib/node-state/node-projection';
import { NODE_STATES } from '@/lib/node-state/node-view';
import type { HealthEventWithStatus } from '@/lib/store';

import { insertedChange, storedEvent } from '../../support/stored-health-event';

let position = 0;
const inserted = (document: HealthEventWithStatus) => insertedChange(document, `p${++position}`);

/** The menus and counts worked out from the views themselves: what the kept ones must equal. */
function fromViews(projection: NodeProjection) {
  const views = projection.views();
  const counts = Object.fromEntries(NODE_STATES.map((state) => [state, 0]));
  for (const view of views) counts[view.state] += 1;
  return {
    agents: [...new Set(views.flatMap((view) => view.agents))].sort(),
    checks: [...new Set(views.flatMap((view) => view.checks))].sort(),
    counts,
  };
}
const keptFigures = (projection: NodeProjection) => ({ ...projection.filterMenus(), counts: projection.counts() });

describe('the filter menus the projection keeps', () => {
  it('name every agent and check of the views, and drop those no view names any more', () => {
    const projection = new NodeProjection();
    projection.apply(inserted(storedEvent('gpu-a', { agent: 'gpu-health-monitor', checkName: 'GpuXidError' })));
    projection.apply(inserted(storedEvent('gpu-b', { agent: 'syslog-health-monitor', checkName: 'SysLogsXIDError' })));
    projection.apply(inserted(storedEvent('gpu-b', { agent: 'gpu-health-monitor', checkName: 'GpuThermalWatch' })));
    expect(projection.filterMenus()).toEqual({
      agents: ['gpu-health-monitor', 'syslog-health-monitor'],
      checks: ['GpuThermalWatch', 'GpuXidError', 'SysLogsXIDError'],
    });
    expect(keptFigures(projection)).toEqual(fromViews(projection));

    // gpu-b's kept record imported over the held one, and gpu-a's record taken away by a build's page.
    const kept = projection.exportRecord('gpu-b')!;
    projection.importRecords([kept]);
    expect(keptFigures(projection)).toEqual(fromViews(projection));
    projection.loadNodes({ latestPerCheck: [], decisions: [], latestPerNode: [], fatalCounts: new Map() }, ['gpu-a']);
    expect(projection.filterMenus()).toEqual({
      agents: ['gpu-health-monitor', 'syslog-health-monitor'],
      checks: ['GpuThermalWatch', 'SysLogsXIDError'],
    });
    expect(keptFigures(projection)).toEqual(fromViews(projection));

    expect(projection.counts()).toMatchObject({ unhealthy: 1 });
    projection.clear();
    expect(projection.filterMenus()).toEqual({ agents: [], checks: [] });
    expect(Object.values(projection.counts()).every((count) => count === 0)).toBe(true);
  });
});
