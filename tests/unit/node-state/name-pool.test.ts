// The node projection holds each recurring name once; a flood of unique names (GPU UUIDs as
// entities) neither grows the pool past its bound nor changes a name.
import { describe, expect, it } from 'vitest';

import { pooledName } from '@/lib/node-state/name-pool';

describe('the pool of recurring names', () => {
  it('gives back the same name, equal to what came in, however many unique names arrive', () => {
    const first = pooledName(['SysLogsXIDError', 'GPU:3'].join('|'));
    expect(first).toBe('SysLogsXIDError|GPU:3');
    for (let index = 0; index < 60_000; index += 1) {
      const unique = `SysLogsXIDError|GPU:GPU-${index.toString(16).padStart(8, '0')}`;
      expect(pooledName(unique)).toBe(unique);
    }
    // Names pooled before the flood are still pooled; new ones past the bound come back as they are.
    expect(pooledName('SysLogsXIDError|GPU:3')).toBe(first);
    expect(pooledName('a name seen only after the pool is full')).toBe('a name seen only after the pool is full');
  });
});
