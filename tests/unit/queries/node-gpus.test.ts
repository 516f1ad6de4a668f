// The node page's GPU grid and its filter of the event table: per entity the events named, GPUs
// first; a strip of the range by worst severity; failures, fatal ones, distinct XIDs; XID bursts
// split by 3 minutes of silence (as issue 19 says NVIDIA Fleet Intelligence groups them); and the
// filter's parameters as they travel in the URL.
import { describe, expect, it } from 'vitest';

import type { NodeEventRow } from '@/lib/queries/node-detail-view';
import { countBursts, entityGrid } from '@/lib/queries/node-gpus';
import {
  filterNodeEvents,
  gridCells,
  nodePageQuery,
  NO_FILTER,
  parseNodePageParams,
} from '@/lib/queries/node-gpus-view';

const FROM = Date.parse('2026-12-06T10:00:00Z');
const TO = FROM + 3_600_000;
const MINUTE = 60_000;
const GPU = (value: string) => ({ entityType: 'GPU', entityValue: value });

let serial = 0;
function event(
  minute: number,
  severity: 'fatal' | 'unhealthy' | 'healthy',
  entities = [GPU('3')],
  errorCode: string[] = severity === 'healthy' ? [] : ['79'],
): NodeEventRow {
  const at = FROM + minute * MINUTE;
  serial += 1;
  return {
    recordId: `r${serial}`,
    createdAt: at,
    generatedAt: at,
    agent: 'syslog-health-monitor',
    componentClass: 'GPU',
    checkName: 'SysLogsXIDError',
    isFatal: severity === 'fatal',
    isHealthy: severity === 'healthy',
    message: '',
    recommendedAction: 'RESTART_BM',
    customRecommendedAction: '',
    errorCode,
    entities,
    metadata: {},
    processingStrategy: 'EXECUTE_REMEDIATION',
    quarantineOverrides: null,
    drainOverrides: null,
    status: {
      nodeQuarantined: null,
      quarantineFinishedAt: null,
      eviction: '',
      evictionMessage: '',
      drainFinishedAt: null,
      remediated: null,
      remediatedAt: null,
      faultQuarantineRecovery: '',
    },
  };
}

const newestFirst = (events: NodeEventRow[]) => [...events].sort((a, b) => b.createdAt - a.createdAt);
const grid = (events: NodeEventRow[], truncated = false) =>
  entityGrid(newestFirst(events), { range: '1h', from: FROM, to: TO, truncated });

describe('XID bursts', () => {
  it('splits where 3 minutes or more of silence separate two events', () => {
    expect(countBursts([])).toBe(0);
    expect(countBursts([0])).toBe(1);
    // 2 min 59 s apart: one burst; exactly 3 min apart: two.
    expect(countBursts([0, 179_000, 358_000])).toBe(1);
    expect(countBursts([0, 180_000])).toBe(2);
    expect(countBursts([0, 60_000, 120_000, 600_000, 660_000, 1_800_000])).toBe(3);
  });
});

describe('the GPU grid', () => {
  it('has a row per entity, GPUs first in numeric order, then the other types', () => {
    const rows = grid([
      event(1, 'unhealthy', [{ entityType: 'NIC', entityValue: 'mlx5_0' }], []),
      event(2, 'fatal', [GPU('10')]),
      event(3, 'fatal', [GPU('2')]),
      event(4, 'fatal', [
        { entityType: 'PCI', entityValue: '0000:3b:00.0' },
        { entityType: 'GPU_UUID', entityValue: 'GPU-5f2c' },
      ]),
    ]).rows;
    expect(rows.map((row) => `${row.entityType}:${row.entityValue}`)).toEqual([
      'GPU:2',
      'GPU:10',
      'GPU_UUID:GPU-5f2c',
      'PCI:0000:3b:00.0',
      'NIC:mlx5_0',
    ]);
  });

  it('counts failures, fatal ones, distinct XIDs and bursts per GPU', () => {
    const [gpu3, gpu5] = grid([
      // GPU 3: a burst of three XIDs (1-2 min apart), silence, then two more 10 minutes later.
      event(0, 'fatal', [GPU('3')], ['79']),
      event(1, 'unhealthy', [GPU('3')], ['13']),
      event(3, 'fatal', [GPU('3')], ['79']),
      event(13, 'fatal', [GPU('3')], ['48']),
      event(14, 'unhealthy', [GPU('3')], ['13']),
      event(20, 'healthy', [GPU('3')]),
      // GPU 5: a thermal warning with no XID is a failure but no XID burst.
      event(30, 'unhealthy', [GPU('5')], []),
    ]).rows;
    expect(gpu3).toMatchObject({
      entityValue: '3',
      events: 6,
      failures: 5,
      fatal: 3,
      xids: ['13', '48', '79'],
      bursts: 2,
      lastFailureAt: FROM + 14 * MINUTE,
    });
    expect(gpu5).toMatchObject({ entityValue: '5', events: 1, failures: 1, fatal: 0, xids: [], bursts: 0 });
  });

  it('colours each 2-minute cell of an hour by its worst event: fatal over unhealthy over healthy', () => {
    const { rows, bucketMs } = grid([
      event(0, 'healthy'),
      event(1, 'fatal'),
      event(2.5, 'unhealthy'),
      event(3, 'healthy'),
      event(59.9, 'healthy'),
    ]);
    expect(bucketMs).toBe(120_000);
    const cells = gridCells(rows[0]!.cells);
    expect(cells).toHaveLength(30);
    expect(cells.slice(0, 3)).toEqual(['fatal', 'unhealthy', 'none']);
    expect(cells.at(-1)).toBe('healthy');
  });

  it('marks what lies before the oldest event read when the range held more than the page reads', () => {
    const { rows, readFrom } = grid([event(40, 'fatal'), event(50, 'healthy')], true);
    expect(readFrom).toBe(FROM + 40 * MINUTE);
    const cells = gridCells(rows[0]!.cells);
    expect(cells.slice(0, 20).every((cell) => cell === 'unread')).toBe(true);
    expect(cells[20]).toBe('fatal');
    expect(grid([event(40, 'fatal')]).readFrom).toBe(FROM);
  });

  it('counts an event naming two GPUs on both rows, and once on each', () => {
    const rows = grid([event(1, 'fatal', [GPU('3'), GPU('5'), GPU('5')])]).rows;
    expect(rows.map((row) => [row.entityValue, row.events])).toEqual([
      ['3', 1],
      ['5', 1],
    ]);
  });
});

describe('the event filter', () => {
  const events = [
    event(1, 'fatal', [GPU('3')]),
    event(2, 'unhealthy', [GPU('3')]),
    event(3, 'fatal', [GPU('5')]),
    event(4, 'healthy', [GPU('3')]),
    event(5, 'fatal', [{ entityType: 'PCI', entityValue: '0000:3b:00.0' }]),
  ];
  const ids = (rows: NodeEventRow[]) => rows.map((row) => row.recordId);

  it('keeps one entity’s events, fatal ones only, or both', () => {
    expect(filterNodeEvents(events, NO_FILTER)).toBe(events);
    expect(ids(filterNodeEvents(events, { entity: 'GPU:3', fatal: false }))).toEqual(
      ids([events[0]!, events[1]!, events[3]!]),
    );
    expect(ids(filterNodeEvents(events, { entity: null, fatal: true }))).toEqual(
      ids([events[0]!, events[2]!, events[4]!]),
    );
    expect(ids(filterNodeEvents(events, { entity: 'GPU:3', fatal: true }))).toEqual(ids([events[0]!]));
    expect(ids(filterNodeEvents(events, { entity: 'PCI:0000:3b:00.0', fatal: false }))).toEqual(ids([events[4]!]));
  });

  it('reads entity, fatal and event from the URL, as the Events search links here', () => {
    expect(parseNodePageParams({ range: '1h', entity: 'GPU:3', fatal: '1', event: 'abc' })).toEqual({
      filter: { entity: 'GPU:3', fatal: true },
      event: 'abc',
      problems: [],
    });
    expect(parseNodePageParams({})).toEqual({ filter: NO_FILTER, event: null, problems: [] });
  });

  it('names a wrong parameter and leaves it out', () => {
    expect(parseNodePageParams({ entity: 'GPU3', fatal: 'yes' })).toEqual({
      filter: NO_FILTER,
      event: null,
      problems: [
        'entity must be TYPE:VALUE, such as GPU:3 or NIC:mlx5_0 (got "GPU3")',
        'fatal must be 1 or 0 (got "yes")',
      ],
    });
    expect(parseNodePageParams({ entity: ['GPU:3', 'GPU:4'] }).problems).toEqual([
      'entity is given 2 times: give it once',
    ]);
  });

  it('writes the range, then the filter, then the event', () => {
    expect(nodePageQuery('6h', { entity: 'GPU:3', fatal: true })).toBe('range=6h&entity=GPU%3A3&fatal=1');
    expect(nodePageQuery('1h', NO_FILTER, 'abc')).toBe('range=1h&event=abc');
    // What the page reads back is what it wrote.
    const query = Object.fromEntries(
      new URLSearchParams(nodePageQuery('1h', { entity: 'PCI:0000:3b:00.0', fatal: false })),
    );
    expect(parseNodePageParams(query).filter).toEqual({ entity: 'PCI:0000:3b:00.0', fatal: false });
  });
});
