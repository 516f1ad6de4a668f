// The Nodes page's bulk selection: after "Select all N matching", unticking a row leaves that node
// out and keeps every other matching node (not only the page shown); ticking it again puts it back.
import { describe, expect, it } from 'vitest';

import { isSelected, noSelection, tick } from '@/components/nodes/node-selection';

describe('node selection', () => {
  it('ticks and unticks names', () => {
    const one = tick(noSelection('state=healthy'), ['gpu-a1', 'gpu-a2'], true);
    const two = tick(one, ['gpu-a1'], false);
    expect([...two.names]).toEqual(['gpu-a2']);
    expect(isSelected(two, 'gpu-a1')).toBe(false);
    expect(isSelected(two, 'gpu-a2')).toBe(true);
    expect(two.all).toBe(false);
  });

  it('unticking one row after "select all matching" keeps all matching except that one', () => {
    const all = { ...noSelection('state=healthy'), all: true };
    const less = tick(all, ['gpu-a2'], false);
    expect(less.all).toBe(true);
    expect([...less.except]).toEqual(['gpu-a2']);
    // A node on another page is still selected.
    expect(isSelected(less, 'gpu-z9')).toBe(true);
    expect(isSelected(less, 'gpu-a2')).toBe(false);
    const back = tick(less, ['gpu-a2'], true);
    expect(back.all).toBe(true);
    expect([...back.except]).toEqual([]);
  });
});
