// Reliability figures without I/O: hand-made decided-event histories pin what an incident is,
// how each stage is timed, and the time between incidents of the breakfix MTBI design proposed in
// NVIDIA/NVSentinel pull request #1413 (not part of NVSentinel as deployed).
//
// The status fields and when NVSentinel writes them (lalitadithya/NVSentinel @ 42672ae):
//   store-client/pkg/datastore/types.go:87-94 HealthEventStatus: nodequarantined,
//     quarantinefinishtimestamp, userpodsevictionstatus, drainfinishtimestamp, faultremediated,
//     lastremediationtimestamp, spanids (no release timestamp exists);
//   store-client/pkg/client/convenience.go:47-49 quarantinefinishtimestamp is set only with
//     Quarantined or AlreadyQuarantined (not UnQuarantined, not Cancelled);
//   node-drainer/pkg/reconciler/reconciler.go:936-940 drainfinishtimestamp only with Succeeded or
//     AlreadyDrained;
//   fault-remediation/pkg/reconciler/reconciler.go:1284 lastremediationtimestamp with the outcome.
//   fault-quarantine/pkg/eventwatcher/event_watcher.go ~540: a release by hand rewrites every
//     Quarantined and AlreadyQuarantined event of the session (createdAt ≥ its Quarantined's) to
//     Cancelled.
// The interval: NVIDIA/NVSentinel pull request #1413's design ("MTBI = generatedTimestamp(
// incident N+1) − generatedTimestamp(incident N)", non-positive intervals skipped).
import { describe, expect, it } from 'vitest';

import { incidentsFrom } from '@/lib/queries/reliability-incidents';
import {
  checkReliabilityParams,
  dimensionRows,
  parseReliabilityParams,
  percentile,
  reliabilityFigures,
} from '@/lib/queries/reliability-view';
import { dateToTimestamp, initialStatus, type HealthEventStatus, type QuarantineHistoryEvent } from '@/lib/store';

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);
const MIN = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MIN);
const ts = (minutes: number) => dateToTimestamp(at(minutes));

let seq = 0;
/** An event generated at `generated` minutes, stored a second later, with the status given. */
function decided(
  node: string,
  generated: number,
  status: Partial<HealthEventStatus>,
  event: { check?: string; agent?: string } = {},
): QuarantineHistoryEvent {
  seq += 1;
  return {
    recordId: `r${String(seq).padStart(4, '0')}`,
    createdAt: new Date(at(generated).getTime() + 1000),
    nodeName: node,
    agent: event.agent ?? 'syslog-health-monitor',
    checkName: event.check ?? 'SysLogsXIDError',
    generatedTimestamp: ts(generated),
    status: { ...initialStatus(), ...status },
  };
}

/** A Quarantined event, quarantined 1 min, drained 5 min and remediated 20 min after the fault. */
function quarantined(node: string, minute: number, event: { check?: string; agent?: string } = {}) {
  return decided(
    node,
    minute,
    {
      nodeQuarantined: 'Quarantined',
      quarantineFinishTimestamp: ts(minute + 1),
      userPodsEvictionStatus: { status: 'Succeeded', message: '' },
      drainFinishTimestamp: ts(minute + 5),
      faultRemediated: true,
      lastRemediationTimestamp: ts(minute + 20),
    },
    event,
  );
}
const released = (node: string, minute: number) => decided(node, minute, { nodeQuarantined: 'UnQuarantined' });

describe('incidents from decided events', () => {
  it('times each stage from the fault (the quarantining event generatedTimestamp) and the release at the healthy event', () => {
    const [incident] = incidentsFrom([quarantined('n1', 0), released('n1', 60)]);
    expect(incident).toMatchObject({
      nodeName: 'n1',
      faultAt: T0,
      quarantinedAt: T0 + MIN,
      drain: 'done',
      drainedAt: T0 + 5 * MIN,
      remediation: 'done',
      remediatedAt: T0 + 20 * MIN,
      release: 'auto',
      releasedAt: T0 + 60 * MIN + 1000,
    });
    const { fleet } = reliabilityFigures([incident], { range: '24h', by: 'check', from: T0, to: T0 + 86_400_000 });
    expect(fleet.stages.quarantine).toEqual({ count: 1, p50: MIN, p90: MIN });
    expect(fleet.stages.drain.p50).toBe(5 * MIN);
    expect(fleet.stages.remediation.p50).toBe(20 * MIN);
    expect(fleet.stages.release.p50).toBe(60 * MIN + 1000);
  });

  it('an event decided but never quarantined (not processed yet) is no incident; AlreadyQuarantined joins the open one', () => {
    const incidents = incidentsFrom([
      decided('n1', 0, { nodeQuarantined: null }),
      quarantined('n1', 10),
      decided('n1', 12, { nodeQuarantined: 'AlreadyQuarantined', quarantineFinishTimestamp: ts(12) }),
      released('n1', 30),
    ]);
    expect(incidents).toHaveLength(1);
    expect(incidents[0].faultAt).toBe(T0 + 10 * MIN);
  });

  it('a session begun before the range (its AlreadyQuarantined and UnQuarantined only) is left out', () => {
    const incidents = incidentsFrom([
      decided('n1', 0, { nodeQuarantined: 'AlreadyQuarantined', quarantineFinishTimestamp: ts(0) }),
      released('n1', 5),
    ]);
    expect(incidents).toEqual([]);
  });

  it('a session open when the range began and released by hand in it opens no incident of the range', () => {
    // Quarantined 60 min before the range (from = T0), AlreadyQuarantined at 30 and 40 min; the
    // release by hand rewrote all three to Cancelled.
    const rewritten = (minute: number) =>
      decided('n1', minute, { nodeQuarantined: 'Cancelled', quarantineFinishTimestamp: ts(minute) });
    const before = [rewritten(-60)];
    const history = [rewritten(30), rewritten(40)];
    const range = { range: '24h', by: 'check', from: T0, to: T0 + 86_400_000 } as const;
    // Read without what came before the range, the AlreadyQuarantined events opened an incident.
    expect(reliabilityFigures(incidentsFrom(history), range)).toMatchObject({ incidents: 1 });
    const incidents = incidentsFrom(history, before);
    expect(incidents.map((incident) => [incident.faultAt, incident.release, incident.begunBefore])).toEqual([
      [T0 - 60 * MIN, 'hand', true],
    ]);
    const figures = reliabilityFigures(incidents, range);
    expect(figures).toMatchObject({ incidents: 0, rows: [], nodes: [] });
    expect(figures.fleet.releasedByHand).toBe(0);
    expect(figures.fleet.stages.quarantine.count).toBe(0);
  });

  it('a session open when the range began takes its AlreadyQuarantined and release; the next incident is the range’s', () => {
    const before = [released('n1', -300), quarantined('n1', -60)];
    const history = [
      decided('n1', 10, { nodeQuarantined: 'AlreadyQuarantined', quarantineFinishTimestamp: ts(10) }),
      released('n1', 20),
      quarantined('n1', 100),
      released('n1', 130),
    ];
    const incidents = incidentsFrom(history, before);
    expect(incidents.map((incident) => [incident.faultAt, incident.release, incident.begunBefore])).toEqual([
      [T0 - 60 * MIN, 'auto', true],
      [T0 + 100 * MIN, 'auto', false],
    ]);
    const figures = reliabilityFigures(incidents, { range: '24h', by: 'node', from: T0, to: T0 + 86_400_000 });
    expect(figures.incidents).toBe(1);
    // Only the range's incident is timed: its release 30 min after the fault (and a second).
    expect(figures.fleet.stages.release).toEqual({ count: 1, p50: 30 * MIN + 1000, p90: 30 * MIN + 1000 });
    // The time between incidents reaches back to the one begun before the range.
    expect(figures.nodes).toEqual([
      expect.objectContaining({ nodeName: 'n1', incidents: 1, count: 1, p50: 160 * MIN, mean: 160 * MIN }),
    ]);
    expect(figures.fleetIntervals).toMatchObject({ count: 1, mean: 160 * MIN, nodes: 1 });
  });

  it('the node’s last incident before the range, released before it, is the previous one for the interval', () => {
    // The incident before the range was released by hand (its Quarantined reads Cancelled).
    const before = [decided('n1', -120, { nodeQuarantined: 'Cancelled' }), released('n2', -10)];
    const history = [quarantined('n1', 30), quarantined('n2', 40)];
    const figures = reliabilityFigures(incidentsFrom(history, before), {
      range: '24h',
      by: 'node',
      from: T0,
      to: T0 + 86_400_000,
    });
    expect(figures.incidents).toBe(2);
    expect(figures.fleet.releasedByHand).toBe(0);
    expect(figures.nodes.map((node) => [node.nodeName, node.incidents, node.count, node.p50])).toEqual([
      ['n1', 1, 1, 150 * MIN],
      ['n2', 1, 0, null],
    ]);
  });

  it('a quarantine still held at the end of the range counts as held, with no release time', () => {
    const [incident] = incidentsFrom([quarantined('n1', 0)]);
    expect(incident.release).toBe('held');
    const figures = reliabilityFigures([incident], { range: '24h', by: 'node', from: T0, to: T0 + 1 });
    expect(figures.fleet.held).toBe(1);
    expect(figures.fleet.stages.release).toEqual({ count: 0, p50: null, p90: null });
  });

  it('a failed drain counts as drain failed and gives no drain time; a later AlreadyDrained event of the session does', () => {
    const failed = decided('n1', 0, {
      nodeQuarantined: 'Quarantined',
      quarantineFinishTimestamp: ts(1),
      userPodsEvictionStatus: { status: 'Failed', message: 'pdb' },
    });
    const [alone] = incidentsFrom([failed, released('n1', 30)]);
    expect(alone).toMatchObject({ drain: 'failed', drainedAt: null, remediation: 'none' });
    const figures = reliabilityFigures([alone], { range: '24h', by: 'check', from: T0, to: T0 + 1 });
    expect(figures.fleet.drainFailed).toBe(1);
    expect(figures.fleet.stages.drain.count).toBe(0);

    const [retried] = incidentsFrom([
      { ...failed, recordId: 'x1' },
      decided('n1', 8, {
        nodeQuarantined: 'AlreadyQuarantined',
        quarantineFinishTimestamp: ts(8),
        userPodsEvictionStatus: { status: 'AlreadyDrained', message: '' },
        drainFinishTimestamp: ts(9),
      }),
    ]);
    expect(retried).toMatchObject({ drain: 'done', drainedAt: T0 + 9 * MIN });
  });

  it('a remediation that failed (faultremediated false) counts as failed, with no time', () => {
    const [incident] = incidentsFrom([
      decided('n1', 0, {
        nodeQuarantined: 'Quarantined',
        quarantineFinishTimestamp: ts(1),
        userPodsEvictionStatus: { status: 'Succeeded', message: '' },
        drainFinishTimestamp: ts(3),
        faultRemediated: false,
      }),
    ]);
    expect(incident).toMatchObject({ remediation: 'failed', remediatedAt: null });
  });

  it('released by hand: every event of the session reads Cancelled; one incident, released by hand, no release time', () => {
    const incidents = incidentsFrom([
      decided('n1', 0, {
        nodeQuarantined: 'Cancelled',
        quarantineFinishTimestamp: ts(1),
        userPodsEvictionStatus: { status: 'Succeeded', message: '' },
        drainFinishTimestamp: ts(4),
      }),
      decided('n1', 3, { nodeQuarantined: 'Cancelled', quarantineFinishTimestamp: ts(3) }),
      // a later fault opens a new incident
      quarantined('n1', 100),
    ]);
    expect(incidents.map((incident) => [incident.faultAt, incident.release])).toEqual([
      [T0, 'hand'],
      [T0 + 100 * MIN, 'held'],
    ]);
    expect(incidents[0]).toMatchObject({ quarantinedAt: T0 + MIN, drainedAt: T0 + 4 * MIN, releasedAt: null });
    const figures = reliabilityFigures(incidents, { range: '24h', by: 'node', from: T0, to: T0 + 1 });
    expect(figures.fleet.releasedByHand).toBe(1);
    expect(figures.fleet.stages.release.count).toBe(0);
  });

  it('a Quarantined while one is open (its release never decided) closes the first as held', () => {
    const incidents = incidentsFrom([quarantined('n1', 0), quarantined('n1', 50), released('n1', 70)]);
    expect(incidents.map((incident) => incident.release)).toEqual(['held', 'auto']);
  });

  it('nodes are apart: one node’s release does not close another’s incident, whatever the order read', () => {
    const incidents = incidentsFrom([released('n2', 30), quarantined('n2', 0), quarantined('n1', 10)]);
    const byNode = Object.fromEntries(incidents.map((incident) => [incident.nodeName, incident.release]));
    expect(byNode).toEqual({ n1: 'held', n2: 'auto' });
  });
});

describe('figures', () => {
  it('p50 and p90 are nearest-rank: a duration that happened', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });

  it('rows per check, agent or node, the most incidents first', () => {
    const incidents = incidentsFrom([
      quarantined('n1', 0, { check: 'GpuMemWatch', agent: 'gpu-health-monitor' }),
      released('n1', 10),
      quarantined('n2', 0, { check: 'SysLogsXIDError' }),
      released('n2', 10),
      quarantined('n1', 100, { check: 'SysLogsXIDError' }),
    ]);
    expect(dimensionRows(incidents, 'check').map((row) => [row.key, row.incidents])).toEqual([
      ['SysLogsXIDError', 2],
      ['GpuMemWatch', 1],
    ]);
    expect(dimensionRows(incidents, 'agent').map((row) => row.key)).toEqual([
      'syslog-health-monitor',
      'gpu-health-monitor',
    ]);
    expect(dimensionRows(incidents, 'node').map((row) => [row.key, row.incidents, row.held])).toEqual([
      ['n1', 2, 1],
      ['n2', 1, 0],
    ]);
  });

  it('time between incidents: per node, generatedTimestamp(N+1) − generatedTimestamp(N); the fleet MTBI is the mean of all', () => {
    const incidents = incidentsFrom([
      quarantined('n1', 0),
      released('n1', 30),
      quarantined('n1', 60),
      released('n1', 90),
      quarantined('n1', 180),
      quarantined('n2', 0),
      released('n2', 10),
      quarantined('n2', 600),
      quarantined('n3', 5),
    ]);
    const figures = reliabilityFigures(incidents, { range: '24h', by: 'node', from: T0, to: T0 + 1 });
    const n1 = figures.nodes.find((node) => node.nodeName === 'n1')!;
    expect(n1).toMatchObject({ incidents: 3, count: 2, p50: 60 * MIN, p90: 120 * MIN, mean: 90 * MIN });
    // a node with one incident in the range has no interval
    expect(figures.nodes.find((node) => node.nodeName === 'n3')).toMatchObject({ count: 0, mean: null });
    expect(figures.fleetIntervals).toMatchObject({ count: 3, mean: (60 + 120 + 600) * (MIN / 3), nodes: 3 });
  });

  it('overlapping faults on one node are one incident (AlreadyQuarantined), not an interval of zero', () => {
    const incidents = incidentsFrom([
      quarantined('n1', 0),
      decided('n1', 0, { nodeQuarantined: 'AlreadyQuarantined', quarantineFinishTimestamp: ts(0) }),
      released('n1', 20),
    ]);
    const figures = reliabilityFigures(incidents, { range: '24h', by: 'node', from: T0, to: T0 + 1 });
    expect(figures.incidents).toBe(1);
    expect(figures.fleetIntervals.count).toBe(0);
  });

  it('a non-positive interval (two incidents one generatedTimestamp apart: clock skew) is skipped, as the proposal says', () => {
    const first = quarantined('n1', 0);
    const incidents = incidentsFrom([
      first,
      released('n1', 5),
      { ...quarantined('n1', 10), generatedTimestamp: ts(0) },
    ]);
    expect(incidents).toHaveLength(2);
    expect(reliabilityFigures(incidents, { range: '24h', by: 'node', from: T0, to: T0 + 1 }).fleetIntervals.count).toBe(
      0,
    );
  });

  it('a stage stamped before the fault (monitor clock ahead) counts as 0, not a negative time', () => {
    const early = decided('n1', 10, { nodeQuarantined: 'Quarantined', quarantineFinishTimestamp: ts(9) });
    const figures = reliabilityFigures(incidentsFrom([early]), { range: '24h', by: 'node', from: T0, to: T0 + 1 });
    expect(figures.fleet.stages.quarantine.p50).toBe(0);
  });
});

describe('parameters', () => {
  it('the page falls back to 7 days by check; the API names a bad, repeated or unknown parameter', () => {
    expect(parseReliabilityParams({ range: 'nope' })).toEqual({ range: '7d', by: 'check' });
    expect(checkReliabilityParams(new URLSearchParams('range=24h&by=node'))).toEqual({
      ok: true,
      range: '24h',
      by: 'node',
    });
    expect(checkReliabilityParams(new URLSearchParams('range=1y'))).toEqual({
      ok: false,
      error: 'range must be one of 24h, 7d, 30d (got "1y")',
    });
    expect(checkReliabilityParams(new URLSearchParams('by=gpu'))).toMatchObject({
      ok: false,
      error: expect.stringContaining('by must be one of check, agent, node'),
    });
    expect(checkReliabilityParams(new URLSearchParams('by=node&by=check'))).toEqual({
      ok: false,
      error: 'by is given more than once',
    });
    expect(checkReliabilityParams(new URLSearchParams('ragne=24h'))).toMatchObject({
      ok: false,
      error: expect.stringContaining('unknown parameter "ragne"'),
    });
  });
});
