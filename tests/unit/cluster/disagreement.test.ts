// Where the datastore and the cluster disagree about a node, as the Nodes page flags and filters it.
import { describe, expect, it } from 'vitest';

import { clusterNodeOf } from '@/lib/cluster/cluster-node';
import { disagreementOf } from '@/lib/cluster/disagreement';
import { nodeFilterToSearch, parseNodeFilter } from '@/lib/node-state/node-filter';

const node = (unschedulable: boolean, annotations: Record<string, string> = {}) =>
  clusterNodeOf({ metadata: { name: 'gpu-1', annotations }, spec: { unschedulable } });
const SESSION = { quarantineHealthEvent: '[{"checkName":"SysLogsXIDError"}]', quarantineHealthEventIsCordoned: 'True' };

describe('datastore and cluster, side by side', () => {
  it('flags a quarantined node that is schedulable, a cordon outside NVSentinel, and one made before it', () => {
    expect(disagreementOf('quarantined', node(false))).toBe('schedulable-while-quarantined');
    expect(disagreementOf('draining', node(false))).toBe('schedulable-while-quarantined');
    expect(disagreementOf('healthy', node(true))).toBe('cordoned-without-session');
    expect(disagreementOf('released', node(true))).toBe('cordoned-without-session');
    expect(
      disagreementOf('quarantined', node(true, { ...SESSION, quarantineHealthEventCordonPreExisting: 'True' })),
    ).toBe('cordoned-before-nvsentinel');
  });

  it('lets agreeing stories be, and a node the cluster does not have', () => {
    expect(disagreementOf('quarantined', node(true, SESSION))).toBeNull();
    expect(disagreementOf('healthy', node(false))).toBeNull();
    expect(disagreementOf('quarantined', undefined)).toBeNull();
  });

  it('keeps the filter in the URL as disagree=1', () => {
    expect(parseNodeFilter(new URLSearchParams('disagree=1'))).toEqual({ disagree: true });
    expect(parseNodeFilter(new URLSearchParams('disagree=yes'))).toEqual({});
    expect(nodeFilterToSearch({ disagree: true, states: ['healthy'] })).toBe('state=healthy&disagree=1');
  });
});
