// fault-quarantine's per-node lock (k8s_client.go:158-162 @ 42672ae): one write per node at a time, in
// the order they asked; other nodes do not wait.
import { describe, expect, it } from 'vitest';

import { NodeLocks } from '@/lib/simulator/pipeline/node-locks';

describe('per-node locks', () => {
  it('runs the writes of one node one at a time, in order, and lets other nodes through', async () => {
    const locks = new NodeLocks();
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = locks.run('a', async () => {
      order.push('a1 start');
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      order.push('a1 end');
    });
    const second = locks.run('a', async () => {
      order.push('a2');
    });
    await locks.run('b', async () => {
      order.push('b');
    });
    expect(locks.queued('a')).toBe(2);
    expect(order).toEqual(['a1 start', 'b']);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
    expect(locks.queued('a')).toBe(0);
  });

  it('lets the next write go when one fails', async () => {
    const locks = new NodeLocks();
    await expect(locks.run('a', () => Promise.reject(new Error('409 ten times')))).rejects.toThrow('409 ten times');
    expect(await locks.run('a', async () => 'written')).toBe('written');
  });
});
