// A page of the Nodes list picked without sorting the whole list (lib/node-state/sorted-slice.ts) is
// the same page a full sort gives: first pages, last pages, the middle, past the end, and with ties
// on the sort column broken by name, as every order of the page does.
import { describe, expect, it } from 'vitest';

import { compareWorstFirst } from '../../../lib/node-state/node-order';
import { compareBy } from '../../../lib/node-state/node-sort';
import { sortedSlice } from '../../../lib/node-state/sorted-slice';

import { namesOf, randomNodeViews } from '../../support/random-node-views';

describe('a page of the Nodes list picked, not sorted whole', () => {
  const all = randomNodeViews(1_000, 7);
  const orders = [
    ['worst first', compareWorstFirst],
    ['by name', compareBy({ column: 'name', dir: 'asc' })],
    ['most fatal first (ties worst first, then by name)', compareBy({ column: 'fatal', dir: 'desc' })],
    ['last event, oldest first (nodes without one last)', compareBy({ column: 'lastEvent', dir: 'asc' })],
  ] as const;

  for (const [label, compare] of orders) {
    it(`gives the page a full sort gives, ${label}, at every place in the list`, () => {
      const sorted = [...all].sort(compare);
      for (const [start, end] of [
        [0, 100],
        [100, 200],
        [200, 300],
        [450, 550],
        [700, 800],
        [800, 900],
        [900, 1_000],
        [950, 1_050],
        [0, 1_000],
        [999, 1_000],
      ])
        expect(namesOf(sortedSlice(all, compare, start, end)), `${start}-${end}`).toEqual(
          namesOf(sorted.slice(start, end)),
        );
    });
  }

  it('gives nothing past the end or for an empty list, and leaves the list as it was', () => {
    const before = namesOf(all);
    expect(sortedSlice(all, compareWorstFirst, 1_000, 1_100)).toEqual([]);
    expect(sortedSlice([], compareWorstFirst, 0, 100)).toEqual([]);
    sortedSlice(all, compareWorstFirst, 0, 100);
    sortedSlice(all, compareWorstFirst, 900, 1_000);
    expect(namesOf(all)).toEqual(before);
  });

  it('holds for lists of every small size, where the page covers most or all of it', () => {
    for (let count = 1; count <= 40; count += 1) {
      const some = randomNodeViews(count, count);
      const sorted = [...some].sort(compareWorstFirst);
      for (let start = 0; start < count; start += 3)
        expect(namesOf(sortedSlice(some, compareWorstFirst, start, start + 5))).toEqual(
          namesOf(sorted.slice(start, start + 5)),
        );
    }
  });
});
