// The event search's parameters as a person or a script sends them: each one read into the store's
// filter, each bad one refused with a message that names it, what it must be and what came.
import { describe, expect, it } from 'vitest';

import { parseEventSearch } from '@/lib/queries/events-filter';
import {
  entityTypeNote,
  eventExportHref,
  eventSearchHref,
  narrowedSearch,
  newestEventsHref,
  nodeEventHref,
  olderEventsHref,
  pinnedSearch,
  severityOf,
} from '@/lib/queries/events-view';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const HOUR = 3_600_000;

const parse = (query: string) => parseEventSearch(new URLSearchParams(query), NOW);
const error = (query: string) => {
  const result = parse(query);
  return result.ok ? `accepted: ${JSON.stringify(result.search.params)}` : result.error;
};

describe('event search parameters', () => {
  it('reads the issue example: XID 79 in the last hour', () => {
    const result = parse('xid=79&range=1h');
    expect(result).toEqual({
      ok: true,
      search: {
        filter: { errorCode: '79', from: new Date(NOW - HOUR), to: new Date(NOW) },
        view: 'events',
        limit: 100,
        after: undefined,
        params: { xid: '79', range: '1h' },
        format: undefined,
      },
    });
  });

  it('reads every filter into the store filter', () => {
    const result = parse(
      'xid=48&check=SysLogsXIDError&agent=syslog-health-monitor&entity=GPU:3&severity=fatal&action=restart_bm&node=gpu-node-0001&range=6h&view=nodes&limit=250',
    );
    expect(result.ok && result.search).toMatchObject({
      filter: {
        errorCode: '48',
        checkName: 'SysLogsXIDError',
        agent: 'syslog-health-monitor',
        entity: { entityType: 'GPU', entityValue: '3' },
        isFatal: true,
        recommendedAction: ['RESTART_BM'],
        nodeName: 'gpu-node-0001',
        from: new Date(NOW - 6 * HOUR),
        to: new Date(NOW),
      },
      view: 'nodes',
      limit: 250,
      params: { action: 'RESTART_BM', node: 'gpu-node-0001', range: '6h', view: 'nodes', limit: '250' },
    });
  });

  it('takes a node name ending in * as a prefix, and an entity value with colons whole', () => {
    const prefix = parse('node=gpu-node-00*&entity=PCI:0000:3b:00.0');
    expect(prefix.ok && prefix.search.filter).toMatchObject({
      nodePrefix: 'gpu-node-00',
      entity: { entityType: 'PCI', entityValue: '0000:3b:00.0' },
    });
    expect(prefix.ok && prefix.search.filter.nodeName).toBeUndefined();
  });

  it('reads the severities as NVSentinel flags them', () => {
    const filter = (severity: string) => {
      const result = parse(`severity=${severity}`);
      return result.ok ? { fatal: result.search.filter.isFatal, healthy: result.search.filter.isHealthy } : null;
    };
    expect(filter('fatal')).toEqual({ fatal: true, healthy: undefined });
    expect(filter('unhealthy')).toEqual({ fatal: false, healthy: false });
    expect(filter('healthy')).toEqual({ fatal: undefined, healthy: true });
    // The Throughput chart's non-fatal bars: every event not flagged fatal, healthy or not.
    expect(filter('non-fatal')).toEqual({ fatal: false, healthy: undefined });
  });

  it('reads a component class, as the Throughput chart groups by it', () => {
    const result = parse('component=NIC&severity=non-fatal&range=1h');
    expect(result.ok && result.search.filter).toEqual({
      componentClass: 'NIC',
      isFatal: false,
      from: new Date(NOW - HOUR),
      to: new Date(NOW),
    });
    expect(result.ok && eventSearchHref(result.search.params)).toBe(
      '/events?component=NIC&severity=non-fatal&range=1h',
    );
    expect(error('componentClass=NIC')).toMatch(/^unknown parameter "componentClass" \(did you mean component\?\)/);
  });

  it('defaults to the last 24 hours, events, 100 a page', () => {
    const result = parse('');
    expect(result.ok && result.search).toMatchObject({
      filter: { from: new Date(NOW - 24 * HOUR), to: new Date(NOW) },
      view: 'events',
      limit: 100,
      params: { range: '24h' },
    });
  });

  it('takes from/to as ISO times with a zone; from alone runs to now', () => {
    const both = parse('from=2026-12-06T08:00:00Z&to=2026-12-06T10:30:00%2B01:00');
    expect(both.ok && both.search.filter).toMatchObject({
      from: new Date('2026-12-06T08:00:00Z'),
      to: new Date('2026-12-06T09:30:00Z'),
    });
    expect(both.ok && both.search.params).toEqual({ from: '2026-12-06T08:00:00.000Z', to: '2026-12-06T09:30:00.000Z' });
    const fromOnly = parse('from=2026-12-06T11:00:00.5Z');
    expect(fromOnly.ok && fromOnly.search.filter).toMatchObject({
      from: new Date('2026-12-06T11:00:00.500Z'),
      to: new Date(NOW),
    });
  });

  it('reads the page cursor, with the window its first page read', () => {
    const result = parse(
      'after=2026-12-06T11:59:00.123Z_6b1c7c2e-8f4c-4a55-9d4e-0e6c1f7c9a10&from=2026-12-06T11:00:00.000Z&to=2026-12-06T12:00:00.000Z',
    );
    expect(result.ok && result.search.after).toEqual({
      createdAt: '2026-12-06T11:59:00.123Z',
      recordId: '6b1c7c2e-8f4c-4a55-9d4e-0e6c1f7c9a10',
    });
  });

  it('refuses a parameter it does not know, naming it and the ones it takes (a misspelt filter would match everything)', () => {
    const known =
      'xid, check, agent, component, entity, severity, action, node, range, from, to, view, limit, after, format';
    expect(error('errorCode=79&range=1h')).toBe(
      `unknown parameter "errorCode" (did you mean xid?); the search takes ${known}`,
    );
    expect(error('range=1h&utm_source=mail')).toBe(`unknown parameter "utm_source"; the search takes ${known}`);
    expect(parseEventSearch({ range: '1h', nodeName: 'gpu-node-1' }, NOW)).toEqual({
      ok: false,
      error: `unknown parameter "nodeName" (did you mean node?); the search takes ${known}`,
    });
    // A parameter the page leaves empty is still a misspelling.
    expect(error('Xid=&range=1h')).toBe(`unknown parameter "Xid" (did you mean xid?); the search takes ${known}`);
  });

  it.each([
    ['xid=abc', 'xid must be an XID: digits only, such as 79 (got "abc")'],
    ['xid=79%3B%20drop', 'xid must be an XID: digits only, such as 79 (got "79; drop")'],
    ['check=Sys%20Logs', 'check must be a check name such as SysLogsXIDError (got "Sys Logs")'],
    ['agent=%3Cscript%3E', 'agent must be an agent name such as syslog-health-monitor (got "<script>")'],
    ['entity=GPU', 'entity must be TYPE:VALUE, such as GPU:3 or NIC:mlx5_0 (got "GPU")'],
    ['entity=:3', 'entity must be TYPE:VALUE, such as GPU:3 or NIC:mlx5_0 (got ":3")'],
    ['entity=GPU:', 'entity must be TYPE:VALUE, such as GPU:3 or NIC:mlx5_0 (got "GPU:")'],
    ['severity=warning', 'severity must be one of fatal, unhealthy, healthy, non-fatal (got "warning")'],
    ['severity=toString', 'severity must be one of fatal, unhealthy, healthy, non-fatal (got "toString")'],
    ['component=GPU%20board', 'component must be a component class such as GPU or NIC (got "GPU board")'],
    [
      'action=REBOOT',
      'action must be a recommended action: one of NONE, COMPONENT_RESET, CONTACT_SUPPORT, RUN_FIELDDIAG, RESTART_VM, RESTART_BM, REPLACE_VM, RUN_DCGMEUD, CUSTOM, REMEDIATE, UNKNOWN (got "REBOOT")',
    ],
    [
      'node=GPU-Node-1',
      'node must be a node name, or its start followed by * (lowercase letters, digits, "-" and "."; at most 253 characters) (got "GPU-Node-1")',
    ],
    [
      'node=*',
      'node must be a node name, or its start followed by * (lowercase letters, digits, "-" and "."; at most 253 characters) (got "*")',
    ],
    ['range=2y', 'range must be one of 15m, 1h, 6h, 24h, 7d, 30d (got "2y")'],
    ['range=constructor', 'range must be one of 15m, 1h, 6h, 24h, 7d, 30d (got "constructor")'],
    ['from=yesterday', 'from must be an ISO 8601 time with its zone, such as 2026-12-06T10:00:00Z (got "yesterday")'],
    [
      'from=2026-12-06T10:00:00',
      'from must be an ISO 8601 time with its zone, such as 2026-12-06T10:00:00Z (got "2026-12-06T10:00:00")',
    ],
    [
      'from=2026-12-06T10:00:00Z&to=2026-13-06T10:00:00Z',
      'to must be an ISO 8601 time with its zone, such as 2026-12-06T10:00:00Z (got "2026-13-06T10:00:00Z")',
    ],
    ['view=table', 'view must be one of events, nodes (got "table")'],
    ['limit=0', 'limit must be a whole number from 1 to 500 (got 0)'],
    ['limit=501', 'limit must be a whole number from 1 to 500 (got 501)'],
    ['limit=1e3', 'limit must be a whole number from 1 to 500 (got "1e3")'],
    ['after=yesterday', 'after must be the cursor of a previous page, <time>_<id> (got "yesterday")'],
    ['format=xlsx', 'format must be one of csv, json (got "xlsx")'],
  ])('refuses %s, naming it', (query, message) => {
    expect(error(query)).toBe(message);
  });

  it('refuses a window that is not one: both kinds, to alone, backwards, or longer than 31 days', () => {
    expect(error('range=1h&from=2026-12-06T10:00:00Z')).toBe('give either range or from/to, not both');
    expect(error('to=2026-12-06T10:00:00Z')).toBe('to needs a from: the search starts at from');
    expect(error('from=2026-12-06T10:00:00Z&to=2026-12-06T10:00:00Z')).toBe(
      'from must be before to (from 2026-12-06T10:00:00.000Z, to 2026-12-06T10:00:00.000Z)',
    );
    expect(error('from=2026-10-01T00:00:00Z&to=2026-11-02T00:00:00Z')).toBe(
      'from and to may be at most 31 days apart (they are 32.0 days apart)',
    );
    expect(parse('from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z').ok).toBe(true);
  });

  it('refuses an older page of a relative range: its window would move with the clock and skip events', () => {
    const cursor = '2026-12-06T11:48:00.000000Z_6b1c7c2e-8f4c-4a55-9d4e-0e6c1f7c9a10';
    expect(error(`xid=79&range=15m&after=${cursor}`)).toBe(
      'after continues the window its first page read: give it with from and to (the Older events link carries them), not with range',
    );
    expect(error(`xid=79&after=${cursor}`)).toBe(
      'after continues the window its first page read: give it with from and to (the Older events link carries them), not with range',
    );
  });

  it('keeps the window of a relative search for its older pages and its export, however much later they are opened', () => {
    const first = parseEventSearch(new URLSearchParams('xid=79&range=15m&limit=50'), NOW);
    if (!first.ok) throw new Error(first.error);
    const answer = {
      params: first.search.params,
      window: { from: first.search.filter.from.getTime(), to: first.search.filter.to.getTime() },
    };
    const cursor = '2026-12-06T11:48:00.000000Z_6b1c7c2e-8f4c-4a55-9d4e-0e6c1f7c9a10';
    const older = olderEventsHref(answer, cursor);
    expect(older).toBe(
      `/events?xid=79&from=2026-12-06T11%3A45%3A00.000Z&to=2026-12-06T12%3A00%3A00.000Z&limit=50&after=${encodeURIComponent(cursor)}`,
    );
    // Five minutes later the older page still reads [T-15m, T): the events of [T-15m, T-10m) are in it.
    const later = parseEventSearch(new URL(older, 'http://console').searchParams, NOW + 5 * 60_000);
    expect(later.ok && later.search.filter).toMatchObject({ from: new Date(NOW - 15 * 60_000), to: new Date(NOW) });
    expect(later.ok && later.search.after?.createdAt).toBe('2026-12-06T11:48:00.000000Z');
    // The export is the window shown, from its newest event.
    expect(eventExportHref(pinnedSearch(answer), 'csv')).toBe(
      '/api/events?xid=79&from=2026-12-06T11%3A45%3A00.000Z&to=2026-12-06T12%3A00%3A00.000Z&format=csv',
    );
    // Back to the newest events: the relative range again when the window is one, else the window's first page.
    const page2 = later.ok ? { params: later.search.params, window: answer.window } : answer;
    expect(newestEventsHref(page2)).toBe('/events?xid=79&range=15m&limit=50');
    expect(
      newestEventsHref({
        params: { xid: '79', from: '2026-12-06T10:00:00.000Z', to: '2026-12-06T10:20:00.000Z', after: cursor },
        window: { from: Date.parse('2026-12-06T10:00:00Z'), to: Date.parse('2026-12-06T10:20:00Z') },
      }),
    ).toBe('/events?xid=79&from=2026-12-06T10%3A00%3A00.000Z&to=2026-12-06T10%3A20%3A00.000Z');
  });

  it('bounds a grouping by node that nothing narrows to 24 hours (it reads every event of the window)', () => {
    const refusal =
      'view=nodes without a node name, an XID or an entity groups every event of the window, so its window may span at most 24 hours (this one spans 7.0 days): choose a range of 24h or less, or give node, xid or entity';
    expect(error('view=nodes&range=7d')).toBe(refusal);
    expect(error('view=nodes&range=7d&node=gpu-node-*&severity=fatal')).toBe(refusal);
    expect(error('view=nodes&range=7d&format=csv')).toBe(refusal);
    expect(error('view=nodes&from=2026-12-05T11:00:00Z&to=2026-12-06T11:30:00Z')).toBe(
      refusal.replace('7.0 days', '24.5 hours'),
    );
    for (const query of [
      'view=nodes&range=24h',
      'view=nodes',
      'view=nodes&range=30d&xid=79',
      'view=nodes&range=30d&entity=GPU:3',
      'view=nodes&range=30d&node=gpu-node-0001',
      'range=30d',
    ])
      expect(parse(query).ok, query).toBe(true);
  });

  it("reads what NVSentinel writes in another spelling as NVSentinel writes it: an XID's leading zeros, an entity type's case", () => {
    const read = (query: string) => {
      const result = parse(query);
      return result.ok ? { filter: result.search.filter, params: result.search.params } : result.error;
    };
    // The syslog monitor writes an XID with %d (syslog-health-monitor/pkg/xid/parser/csv.go:216).
    expect(read('xid=079')).toMatchObject({ filter: { errorCode: '79' }, params: { xid: '79' } });
    expect(read('xid=000')).toMatchObject({ filter: { errorCode: '0' } });
    expect(read('entity=gpu:3')).toMatchObject({
      filter: { entity: { entityType: 'GPU', entityValue: '3' } },
      params: { entity: 'GPU:3' },
    });
    // A GPU's index is written with strconv.Itoa / str(): no leading zeros.
    expect(read('entity=Gpu:03')).toMatchObject({ filter: { entity: { entityType: 'GPU', entityValue: '3' } } });
    expect(read('entity=gpu_uuid:GPU-5f1b')).toMatchObject({
      filter: { entity: { entityType: 'GPU_UUID', entityValue: 'GPU-5f1b' } },
    });
    expect(read('entity=nicport:mlx5_0%2F1')).toMatchObject({
      filter: { entity: { entityType: 'NICPort', entityValue: 'mlx5_0/1' } },
    });
    expect(read('entity=pci:0000:3b:00.0')).toMatchObject({
      filter: { entity: { entityType: 'PCI', entityValue: '0000:3b:00.0' } },
    });
    // A type NVSentinel's monitors write in their own case (a Kubernetes kind) is searched as given.
    expect(read('entity=v1%2FPod:default%2Fjob-1')).toMatchObject({
      filter: { entity: { entityType: 'v1/Pod', entityValue: 'default/job-1' } },
    });
    expect(read('entity=rack:7')).toMatchObject({ filter: { entity: { entityType: 'rack', entityValue: '7' } } });
  });

  it('says why a search by an entity type none of NVSentinel monitors writes may find nothing', () => {
    expect(entityTypeNote('GPU:3')).toBeNull();
    expect(entityTypeNote(undefined)).toBeNull();
    expect(entityTypeNote('rack:7')).toBe(
      'NVSentinel\'s monitors write no entity type "rack" that the console knows (GPU, GPU_UUID, PCI, PCI_ID, NIC, NICPort, NVSWITCH, NVLINK, GPC, TPC, SM, REG0 to REG6; Kubernetes kinds such as v1/Pod), and a type is matched exactly, case included',
    );
  });

  it('refuses a filter given twice, and reads the page parameters the same way', () => {
    expect(error('xid=79&xid=48')).toBe('xid is given 2 times: give it once');
    const page = parseEventSearch({ xid: '79', range: ['1h'], node: '' }, NOW);
    expect(page.ok && page.search.params).toEqual({ xid: '79', range: '1h' });
    expect(parseEventSearch({ range: ['1h', '6h'] }, NOW)).toEqual({
      ok: false,
      error: 'range is given 2 times: give it once',
    });
  });
});

describe('event search links', () => {
  it('writes every filter into the URL in one order, and the export without the page', () => {
    expect(eventSearchHref({ range: '1h', xid: '79', node: 'gpu-node-0001', after: 'x_y' })).toBe(
      '/events?xid=79&node=gpu-node-0001&range=1h&after=x_y',
    );
    expect(eventSearchHref({})).toBe('/events');
    expect(eventExportHref({ xid: '79', range: '1h', view: 'nodes', limit: '50', after: 'x_y' }, 'csv')).toBe(
      '/api/events?xid=79&range=1h&view=nodes&format=csv',
    );
  });

  it("narrows a search to one node's GPU, as events from the newest", () => {
    expect(
      eventSearchHref(
        narrowedSearch({ xid: '79', range: '1h', view: 'nodes', node: 'gpu-*', after: 'x_y' }, 'gpu-node-0007', {
          entityType: 'GPU',
          entityValue: '3',
        }),
      ),
    ).toBe('/events?xid=79&entity=GPU%3A3&node=gpu-node-0007&range=1h');
  });

  it('opens the node page with a range that still holds the event, naming it', () => {
    const at = (ageMs: number) =>
      nodeEventHref({ nodeName: 'gpu-node-0007', createdAt: NOW - ageMs, recordId: 'abc' }, NOW);
    expect(at(10 * 60_000)).toBe('/nodes/gpu-node-0007?range=1h&event=abc');
    expect(at(2 * HOUR)).toBe('/nodes/gpu-node-0007?range=6h&event=abc');
    expect(at(3 * 86_400_000)).toBe('/nodes/gpu-node-0007?range=7d&event=abc');
    expect(at(40 * 86_400_000)).toBe('/nodes/gpu-node-0007?range=30d&event=abc');
  });

  it('names the severity as the filter does', () => {
    expect(severityOf({ isFatal: true, isHealthy: false })).toBe('fatal');
    expect(severityOf({ isFatal: false, isHealthy: false })).toBe('unhealthy');
    expect(severityOf({ isFatal: false, isHealthy: true })).toBe('healthy');
  });
});
