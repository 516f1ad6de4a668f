// Rows that hold their place while the Nodes list re-sorts live: the hovered or focused row stays at
// the position it had, the others take their new order around it, and it never vanishes while pinned.
import { describe, expect, it } from 'vitest';

import { withPinnedRows, type PinnedRow } from '@/components/nodes/pinned-rows';

interface Row {
  name: string;
  state: string;
}
const rows = (...names: string[]): Row[] => names.map((name) => ({ name, state: 'healthy' }));
const pin = (name: string, index: number, state = 'healthy'): PinnedRow<Row> => ({
  name,
  index,
  view: { name, state },
});
const names = (list: Row[]) => list.map((row) => row.name);

describe('a re-sorted list with pinned rows', () => {
  it('is the new order itself when nothing is pinned', () => {
    expect(names(withPinnedRows(rows('c', 'a', 'b'), []))).toEqual(['c', 'a', 'b']);
  });

  it('keeps the hovered row where it was while a row above moves below it', () => {
    // Shown a, b, c, d with the pointer on c (index 2); a turns healthy and sorts last.
    expect(names(withPinnedRows(rows('b', 'c', 'd', 'a'), [pin('c', 2)]))).toEqual(['b', 'd', 'c', 'a']);
  });

  it('keeps the hovered row where it was while the row it points at sorts to the top', () => {
    // Pointer on d (index 3), which turned worst: it stays, the rest keep their order.
    expect(names(withPinnedRows(rows('d', 'a', 'b', 'c'), [pin('d', 3)]))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('shows the page newest view of a pinned row', () => {
    const next = [
      { name: 'x', state: 'drain-failed' },
      { name: 'a', state: 'healthy' },
    ];
    expect(withPinnedRows(next, [pin('x', 1)])).toEqual([
      { name: 'a', state: 'healthy' },
      { name: 'x', state: 'drain-failed' },
    ]);
  });

  it('keeps a pinned row the page no longer has (it left the page or the filter), with its kept view', () => {
    expect(withPinnedRows(rows('a', 'b'), [pin('gone', 1, 'quarantined')])).toEqual([
      { name: 'a', state: 'healthy' },
      { name: 'gone', state: 'quarantined' },
      { name: 'b', state: 'healthy' },
    ]);
  });

  it('holds the hovered and the focused row both in place, and a row pinned twice once', () => {
    expect(names(withPinnedRows(rows('d', 'c', 'b', 'a'), [pin('c', 2), pin('a', 0)]))).toEqual(['a', 'd', 'c', 'b']);
    expect(names(withPinnedRows(rows('b', 'a'), [pin('a', 0), pin('a', 0)]))).toEqual(['a', 'b']);
  });

  it('puts a pinned row past the end of a shorter page at its end', () => {
    expect(names(withPinnedRows(rows('a'), [pin('z', 5)]))).toEqual(['a', 'z']);
  });
});
