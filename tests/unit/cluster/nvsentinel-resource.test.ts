// NVSentinel's custom resources read as their writers leave them (lalitadithya/NVSentinel @ 42672ae):
// janitor's RebootNode/TerminateNode conditions (janitor/pkg/controller/rebootnode_controller.go,
// janitor/api/v1alpha1/rebootnode_types.go:109-148), GPUReset's phase, the ExternalRemediationRequest's
// two conditions (externalremediationrequest_controller.go:225-290), a ValidationRequest's phase and nodes.
import { describe, expect, it } from 'vitest';

import { nodeResourceOf } from '@/lib/cluster/nvsentinel-resource';

const created = '2026-12-06T10:00:00Z';
const cr = (spec: object, status?: object, name = 'maintenance-gpu-1-0b3f') => ({
  metadata: { name, creationTimestamp: created },
  spec,
  ...(status ? { status } : {}),
});
const condition = (type: string, status: string, reason: string, message: string, at = '2026-12-06T10:00:05Z') => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: at,
});
/** SetInitialConditions (rebootnode_types.go:109-148). */
const initial = [
  condition('SignalSent', 'Unknown', 'Initializing', 'Reboot signal not yet sent'),
  condition('NodeReady', 'Unknown', 'Initializing', 'Node ready state not yet determined'),
];

describe('a RebootNode', () => {
  const reboot = (status?: object) => nodeResourceOf('RebootNode', cr({ nodeName: 'gpu-1', force: false }, status));

  it('is pending until janitor sends the signal, then in progress until the node is ready', () => {
    expect(reboot()).toEqual({
      kind: 'RebootNode',
      name: 'maintenance-gpu-1-0b3f',
      nodeName: 'gpu-1',
      phase: 'Pending',
      message: null,
      createdAt: Date.parse(created),
      completedAt: null,
    });
    expect(reboot({ conditions: initial })).toMatchObject({ phase: 'Pending', message: 'Reboot signal not yet sent' });
    expect(
      reboot({
        startTime: '2026-12-06T10:00:01Z',
        conditions: [condition('SignalSent', 'True', 'Succeeded', 'csp-request-7'), initial[1]],
      }),
    ).toMatchObject({ phase: 'InProgress', message: 'Node ready state not yet determined', completedAt: null });
  });

  it('succeeds when NodeReady turns True, and says when it completed', () => {
    expect(
      reboot({
        completionTime: '2026-12-06T10:04:00Z',
        conditions: [
          condition('SignalSent', 'True', 'Succeeded', 'csp-request-7'),
          condition('NodeReady', 'True', 'Succeeded', 'Node reached ready state post-reboot'),
        ],
      }),
    ).toMatchObject({
      phase: 'Succeeded',
      message: 'Node reached ready state post-reboot',
      completedAt: Date.parse('2026-12-06T10:04:00Z'),
    });
  });

  it('fails on a NodeReady False (the timeout) or a signal that could not be sent, saying why', () => {
    expect(
      reboot({
        conditions: [
          condition('SignalSent', 'True', 'Succeeded', 'csp-request-7'),
          condition('NodeReady', 'False', 'Timeout', 'Node failed to return to ready state after timeout duration'),
        ],
      }),
    ).toMatchObject({ phase: 'Failed', message: 'Node failed to return to ready state after timeout duration' });
    expect(
      reboot({
        completionTime: '2026-12-06T10:00:02Z',
        conditions: [condition('SignalSent', 'False', 'Failed', 'rpc error: instance not found'), initial[1]],
      }),
    ).toMatchObject({ phase: 'Failed', message: 'rpc error: instance not found' });
  });

  it('waits on an outside actor in manual mode, and falls back on the reason without a message', () => {
    expect(
      reboot({
        conditions: [
          ...initial,
          condition(
            'ManualMode',
            'True',
            'OutsideActorRequired',
            'Janitor is in manual mode, outside actor required to send reboot signal',
          ),
        ],
      }),
    ).toMatchObject({
      phase: 'Pending',
      message: 'Janitor is in manual mode, outside actor required to send reboot signal',
    });
    expect(reboot({ conditions: [condition('NodeReady', 'False', 'Timeout', '')] })).toMatchObject({
      phase: 'Failed',
      message: 'Timeout',
    });
  });
});

describe('a TerminateNode', () => {
  it('completes on NodeTerminated, not NodeReady', () => {
    const terminate = (conditions: object[]) =>
      nodeResourceOf('TerminateNode', cr({ nodeName: 'gpu-2', force: false }, { conditions }));
    expect(
      terminate([
        condition('SignalSent', 'True', 'Succeeded', 'Terminate signal sent to CSP'),
        condition('NodeTerminated', 'True', 'Succeeded', 'CSP instance deleted and Kubernetes node removed.'),
      ]),
    ).toMatchObject({
      nodeName: 'gpu-2',
      phase: 'Succeeded',
      message: 'CSP instance deleted and Kubernetes node removed.',
    });
    expect(terminate([condition('NodeReady', 'True', 'Succeeded', 'not this one')])).toMatchObject({
      phase: 'Pending',
    });
  });
});

describe('a GPUReset', () => {
  const reset = (status?: object) =>
    nodeResourceOf('GPUReset', cr({ nodeName: 'gpu-3', selector: { uuids: ['GPU-1'] } }, status, 'reset-gpu-3'));

  it('takes its phase as written, Terminating as in progress, a phase it does not know as Unknown', () => {
    expect(reset()).toMatchObject({ phase: 'Pending', message: null });
    expect(
      reset({
        phase: 'InProgress',
        conditions: [
          condition('Ready', 'True', 'ReadyForReset', 'no other reset on the node', '2026-12-06T10:00:01Z'),
          condition(
            'ResetJobCreated',
            'True',
            'ResetJobCreationSucceeded',
            'reset job created',
            '2026-12-06T10:00:03Z',
          ),
        ],
      }),
    ).toMatchObject({ phase: 'InProgress', message: 'reset job created' });
    expect(reset({ phase: 'Terminating' })).toMatchObject({ phase: 'InProgress' });
    expect(reset({ phase: 'Rebooting' })).toMatchObject({ phase: 'Unknown' });
  });

  it('says why it failed from its Complete condition', () => {
    expect(
      reset({
        phase: 'Failed',
        completionTime: '2026-12-06T10:09:00Z',
        conditions: [
          condition('ResetJobCompleted', 'False', 'ResetJobFailed', 'job failed', '2026-12-06T10:08:59Z'),
          condition('Complete', 'False', 'ResetJobFailed', 'nvidia-smi -r exited 1', '2026-12-06T10:08:59Z'),
        ],
      }),
    ).toMatchObject({
      phase: 'Failed',
      message: 'nvidia-smi -r exited 1',
      completedAt: Date.parse('2026-12-06T10:09:00Z'),
    });
  });
});

describe('an ExternalRemediationRequest', () => {
  const extrr = (status?: object) =>
    nodeResourceOf(
      'ExternalRemediationRequest',
      cr(
        { healthEvent: { nodeName: 'gpu-4', checkName: 'GpuXidError', agent: 'gpu-health-monitor' } },
        status,
        'extrr-1',
      ),
    );
  const waiting = condition(
    'ExternalRemediationComplete',
    'Unknown',
    'AwaitingExternalSystem',
    'External system has not yet reported completion.',
  );

  it('names the node of its health event, and is in progress once NVSentinel released the node', () => {
    expect(extrr()).toMatchObject({ nodeName: 'gpu-4', phase: 'Pending' });
    expect(
      extrr({
        conditions: [
          condition('NVSentinelOwnershipReleased', 'True', 'ReleaseTaintApplied', 'release taint applied'),
          waiting,
        ],
      }),
    ).toMatchObject({ phase: 'InProgress', message: 'External system has not yet reported completion.' });
  });

  it('ends as the external system reports, or failed when the node was not found', () => {
    const released = condition('NVSentinelOwnershipReleased', 'True', 'ReleaseTaintApplied', 'release taint applied');
    expect(
      extrr({ conditions: [released, condition('ExternalRemediationComplete', 'True', 'Repaired', 'board replaced')] }),
    ).toMatchObject({ phase: 'Succeeded', message: 'board replaced' });
    expect(
      extrr({ conditions: [released, condition('ExternalRemediationComplete', 'False', 'RMAFailed', '')] }),
    ).toMatchObject({ phase: 'Failed', message: 'RMAFailed' });
    expect(
      extrr({
        completionTime: '2026-12-06T10:00:09Z',
        conditions: [
          condition('NVSentinelOwnershipReleased', 'False', 'NodeNotFound', 'node gpu-4 not found'),
          waiting,
        ],
      }),
    ).toMatchObject({
      phase: 'Failed',
      message: 'node gpu-4 not found',
      completedAt: Date.parse('2026-12-06T10:00:09Z'),
    });
  });
});

describe('a ValidationRequest', () => {
  const validation = (spec: object, status?: object) =>
    nodeResourceOf('ValidationRequest', cr(spec, status, 'validate-1'));

  it('reads its phase, Running as in progress, and the first node it names', () => {
    expect(validation({ nodes: [{ name: 'gpu-5' }, { name: 'gpu-6' }] }, { phase: 'Running' })).toMatchObject({
      kind: 'ValidationRequest',
      nodeName: 'gpu-5',
      phase: 'InProgress',
    });
  });

  it('says which test failed when no condition does', () => {
    expect(
      validation(
        { nodes: [{ name: 'gpu-5' }] },
        {
          phase: 'Failed',
          testGroups: [
            { name: 'dcgm', provider: 'job', phase: 'Succeeded', attempts: [{ phase: 'Succeeded' }] },
            {
              name: 'nccl',
              provider: 'job',
              phase: 'Failed',
              attempts: [{ phase: 'Failed', failureReason: 'TestTimeout' }],
            },
          ],
        },
      ),
    ).toMatchObject({ phase: 'Failed', message: 'nccl: TestTimeout' });
  });
});

describe('what is not a resource about a node', () => {
  it('is null: no object, no name, no node', () => {
    expect(nodeResourceOf('RebootNode', null)).toBeNull();
    expect(nodeResourceOf('RebootNode', 'maintenance-gpu-1')).toBeNull();
    expect(nodeResourceOf('RebootNode', { spec: { nodeName: 'gpu-1' } })).toBeNull();
    expect(nodeResourceOf('RebootNode', cr({ force: true }))).toBeNull();
    expect(nodeResourceOf('ExternalRemediationRequest', cr({ healthEvent: null }))).toBeNull();
    expect(nodeResourceOf('ValidationRequest', cr({ nodes: [] }))).toBeNull();
  });

  it('leaves times it cannot read as null', () => {
    expect(
      nodeResourceOf('RebootNode', {
        metadata: { name: 'r', creationTimestamp: 'yesterday' },
        spec: { nodeName: 'gpu-1' },
        status: { completionTime: 42 },
      }),
    ).toMatchObject({ createdAt: null, completedAt: null });
  });
});
