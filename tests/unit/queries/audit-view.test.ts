import { describe, expect, it } from 'vitest';

import { changedFields } from '@/lib/queries/audit-view';

describe('the before → after of an audit entry', () => {
  it('lists only the fields that changed', () => {
    const before = { state: 'quarantined', label: 'Quarantined', quarantinedSince: 1796200704946 };
    const after = { state: 'released', label: 'Released by hand', quarantinedSince: null, cancelledEvents: 1 };
    expect(changedFields(before, after)).toEqual([
      { field: 'state', before: 'quarantined', after: 'released' },
      { field: 'label', before: 'Quarantined', after: 'Released by hand' },
      { field: 'quarantinedSince', before: '2026-12-02 08:38:24', after: '—' },
      { field: 'cancelledEvents', before: '—', after: '1' },
    ]);
  });

  it('shows every field of a creation, and nothing when neither side is known', () => {
    expect(changedFields(null, { username: 'olga', role: 'operator' })).toEqual([
      { field: 'username', before: '', after: 'olga' },
      { field: 'role', before: '', after: 'operator' },
    ]);
    expect(changedFields(null, null)).toEqual([]);
    expect(changedFields(undefined, undefined)).toEqual([]);
  });

  it('keeps long values short', () => {
    const [field] = changedFields({ note: 'x'.repeat(500) }, { note: 'y' });
    expect(field.before).toHaveLength(81);
  });
});
