import { describe, expect, it } from 'vitest';

import { parseNodeAction } from '@/lib/actions/node-action-input';

describe('manual quarantine and release input', () => {
  it('accepts a Kubernetes node name and a reason, trimming the reason', () => {
    expect(parseNodeAction({ nodeName: 'gpu-node-0007.cluster.local', reason: '  fan failure  ' })).toEqual({
      ok: true,
      value: { nodeName: 'gpu-node-0007.cluster.local', reason: 'fan failure' },
    });
  });

  it('accepts parts of exactly 63 characters and a name of exactly 253', () => {
    const label63 = 'a'.repeat(63);
    expect(parseNodeAction({ nodeName: `${label63}.${label63}`, reason: 'fan failure' })).toMatchObject({
      ok: true,
      value: { nodeName: `${label63}.${label63}` },
    });
    const name253 = [label63, label63, label63, 'b'.repeat(61)].join('.');
    expect(name253).toHaveLength(253);
    expect(parseNodeAction({ nodeName: name253, reason: 'fan failure' }).ok).toBe(true);
  });

  it.each([
    [{ nodeName: '', reason: 'fan failure' }, 'node name must not be empty'],
    [{ nodeName: 'GPU_Node', reason: 'fan failure' }, 'node name must be a Kubernetes node name'],
    // Upper case alone (no other character outside the alphabet): Kubernetes refuses it.
    [{ nodeName: 'GPU-Node-1', reason: 'fan failure' }, 'node name must be a Kubernetes node name: lowercase letters'],
    [
      { nodeName: 'gpu-node.Cluster.local', reason: 'fan failure' },
      'node name must be a Kubernetes node name: lowercase letters',
    ],
    [
      { nodeName: `gpu.${'a'.repeat(64)}.local`, reason: 'fan failure' },
      'node name parts between dots must be at most 63 characters',
    ],
    [{ nodeName: 'b'.repeat(64), reason: 'fan failure' }, 'node name parts between dots must be at most 63 characters'],
    [{ nodeName: `a${'b'.repeat(253)}`, reason: 'fan failure' }, 'at most 253 characters'],
    [{ nodeName: '<script>alert(1)</script>', reason: 'fan failure' }, 'Kubernetes node name'],
    [{ nodeName: 'gpu-1', reason: 'ok' }, 'reason must be at least 3 characters'],
    [{ nodeName: 'gpu-1', reason: 'x'.repeat(1024 * 1024) }, 'reason must be at most 500 characters'],
    [{ nodeName: 'gpu-1', reason: 'bad\u0000byte' }, 'control characters'],
    [
      { nodeName: 'gpu-1', reason: 'fan \u202efailure' },
      'reason must not contain text-direction characters (found U+202E)',
    ],
    [
      { nodeName: 'gpu-1', reason: '\u200b\u200b\u200b' },
      'reason must not contain zero-width characters (found U+200B)',
    ],
    [{ nodeName: 42, reason: 'fan failure' }, 'node name must be text'],
    [null, 'expected { nodeName, reason }'],
  ])('refuses %j naming what is wrong', (input, message) => {
    const result = parseNodeAction(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(message);
  });
});
