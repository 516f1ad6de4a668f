// The maintenance opt-out on the node itself: the label fault-quarantine's default rules read
// (k8saas.nvidia.com/ManagedByNVSentinel=false; charts/fault-quarantine/values.yaml:91-97 in
// lalitadithya/NVSentinel @ 42672ae) and the console's annotations; whose opt-out it is, and when
// its put-back is due. An opt-out the console did not make is never its to end.
import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

import { clusterNodeOf } from '@/lib/cluster/cluster-node';
import { applyOptOut, applyPutBack } from '@/lib/cluster/node-opt-out';
import { optOutOf, putBackDue } from '@/lib/cluster/opt-out-record';
import { nodeFilterToSearch, parseNodeFilter } from '@/lib/node-state/node-filter';
import { optedOutMarkOf } from '@/lib/queries/opt-out-view';

const LABEL = 'k8saas.nvidia.com/ManagedByNVSentinel';
const JANITOR = 'nvsentinel.dgxc.nvidia.com/managed';
const UNTIL = '2026-12-06T14:00:00Z';
const RECORD = {
  'sentinel-console/opt-out-until': UNTIL,
  'sentinel-console/opt-out-since': '2026-12-06T12:00:00Z',
  'sentinel-console/opt-out-by': 'ana',
  'sentinel-console/opt-out-reason': 'driver upgrade',
};
const node = (labels: Record<string, string>, annotations: Record<string, string> = {}): V1Node => ({
  metadata: {
    name: 'gpu-1',
    labels: { 'kubernetes.io/hostname': 'gpu-1', ...labels },
    annotations: { ...annotations },
  },
});
const request = {
  by: 'ana',
  reason: 'driver upgrade',
  until: new Date(UNTIL),
  now: new Date('2026-12-06T12:00:00.123Z'),
};

describe('the opt-out written on the node', () => {
  it('is the label the chart rules read, "false", and the console annotations: who, why, since and until (RFC 3339 UTC)', () => {
    const written = node({});
    expect(applyOptOut(written, request)).toBe(true);
    expect(written.metadata?.labels).toEqual({ 'kubernetes.io/hostname': 'gpu-1', [LABEL]: 'false' });
    expect(written.metadata?.annotations).toEqual(RECORD);
  });

  it('keeps the label value it replaces, and puts it back on put-back with the annotations gone', () => {
    const written = node({ [LABEL]: 'true' }, { other: 'kept' });
    applyOptOut(written, request);
    expect(written.metadata?.annotations).toMatchObject({ 'sentinel-console/opt-out-previous': 'true' });
    expect(applyPutBack(written)).toBe(true);
    expect(written.metadata?.labels).toEqual({ 'kubernetes.io/hostname': 'gpu-1', [LABEL]: 'true' });
    expect(written.metadata?.annotations).toEqual({ other: 'kept' });
  });

  it('removes the label on put-back when there was none before', () => {
    const written = node({});
    applyOptOut(written, request);
    applyPutBack(written);
    expect(written.metadata?.labels).toEqual({ 'kubernetes.io/hostname': 'gpu-1' });
    expect(written.metadata?.annotations).toEqual({});
  });

  it('writes nothing over a "false" already there, whoever set it', () => {
    const outside = node({ [LABEL]: 'false' });
    expect(applyOptOut(outside, request)).toBe(false);
    expect(outside.metadata?.annotations).toEqual({});
  });

  it('puts back nothing without its record; with its record left over, removes only the record, not a label changed since', () => {
    const outside = node({ [LABEL]: 'false' });
    expect(applyPutBack(outside)).toBe(false);
    expect(outside.metadata?.labels?.[LABEL]).toBe('false');
    const changed = node({ [LABEL]: 'yes' }, RECORD);
    expect(applyPutBack(changed)).toBe(true);
    expect(changed.metadata?.labels?.[LABEL]).toBe('yes');
    expect(changed.metadata?.annotations).toEqual({});
  });

  it("never writes janitor's managed label, nor removes it", () => {
    const held = node({ [JANITOR]: 'false' });
    applyOptOut(held, request);
    applyPutBack(held);
    expect(held.metadata?.labels?.[JANITOR]).toBe('false');
  });
});

describe('whose opt-out it is', () => {
  it("reads the console's own: its record with the label still false", () => {
    expect(optOutOf({ [LABEL]: 'false' }, RECORD)).toEqual({
      console: {
        until: Date.parse(UNTIL),
        since: Date.parse('2026-12-06T12:00:00Z'),
        by: 'ana',
        reason: 'driver upgrade',
        previous: null,
      },
      outside: [],
      leftOver: null,
    });
  });

  it('tells an opt-out made outside the console (kubectl, janitor) from the console\'s, and "managed" from both', () => {
    expect(optOutOf({ [LABEL]: 'false' }, {})).toEqual({ console: null, outside: [LABEL], leftOver: null });
    expect(optOutOf({ [JANITOR]: 'false' }, {})).toEqual({ console: null, outside: [JANITOR], leftOver: null });
    expect(optOutOf({ [LABEL]: 'false', [JANITOR]: 'false' }, RECORD)).toMatchObject({ outside: [JANITOR] });
    // Any value but "false" is managed, as in the chart's CEL clause.
    expect(optOutOf({ [LABEL]: 'False' }, {})).toBeNull();
    expect(optOutOf({ [LABEL]: 'true', [JANITOR]: 'no' }, {})).toBeNull();
  });

  it('is due when its time has come, or its end is unreadable, or only its record is left; never for an outside one', () => {
    const at = Date.parse(UNTIL);
    const mine = optOutOf({ [LABEL]: 'false' }, RECORD);
    expect(putBackDue(mine, at - 1)).toBe(false);
    expect(putBackDue(mine, at)).toBe(true);
    expect(putBackDue(optOutOf({ [LABEL]: 'false' }, { ...RECORD, 'sentinel-console/opt-out-until': 'soon' }), 0)).toBe(
      true,
    );
    expect(putBackDue(optOutOf({}, RECORD), 0)).toBe(true);
    expect(putBackDue(optOutOf({ [LABEL]: 'false', [JANITOR]: 'false' }, {}), Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(putBackDue(null, Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it('reaches the cluster view and the Nodes list mark', () => {
    const view = clusterNodeOf({ metadata: { name: 'gpu-1', labels: { [LABEL]: 'false' }, annotations: RECORD } });
    expect(view.managed).toBe(false);
    expect(optedOutMarkOf(view.optOut)).toEqual({ until: Date.parse(UNTIL), byConsole: true });
    expect(optedOutMarkOf(optOutOf({ [LABEL]: 'false' }, {}))).toEqual({ until: null, byConsole: false });
    // A record left over is no opt-out: the node is managed again.
    expect(optedOutMarkOf(optOutOf({}, RECORD))).toBeNull();
    expect(clusterNodeOf({ metadata: { name: 'gpu-2' } }).optOut).toBeNull();
  });

  it('keeps the Nodes list filter in the URL as optedOut=1', () => {
    expect(parseNodeFilter(new URLSearchParams('optedOut=1'))).toEqual({ optedOut: true });
    expect(parseNodeFilter(new URLSearchParams('optedOut=true'))).toEqual({});
    expect(nodeFilterToSearch({ optedOut: true, disagree: true })).toBe('disagree=1&optedOut=1');
  });
});
