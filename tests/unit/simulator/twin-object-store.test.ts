// The twin API server's list pages (lib/simulator/kubernetes/object-store.ts): a client reading the
// nodes in pages (the console's informer does, lib/cluster/node-informer.ts) sees each node once, in
// the byte order of etcd's keys, however the names sort in a locale.
import { describe, expect, it } from 'vitest';

import { ObjectStore } from '../../../lib/simulator/kubernetes/object-store';

const NODES = { plural: 'nodes', kind: 'Node', group: '' };

function storeWith(names: string[]): ObjectStore {
  const store = new ObjectStore();
  for (const name of names) store.create(NODES, { metadata: { name } });
  return store;
}

/** Every page of `limit`, as a client follows the continue key. */
function readInPages(store: ObjectStore, limit: number): string[][] {
  const pages: string[][] = [];
  let after: string | null = null;
  for (;;) {
    const { items, more } = store.page('nodes', undefined, undefined, after, limit);
    pages.push(items.map((item) => item.metadata.name));
    if (!more) return pages;
    after = items[items.length - 1].metadata.name;
  }
}

describe('twin object store pages', () => {
  it('lists in byte order, where a locale would put "node-10" after "node9" and "Z" after "a"', () => {
    const store = storeWith(['node9', 'node-10', 'node.2', 'a-node', 'Z-node', 'node-1']);
    expect(store.list('nodes').map((node) => node.metadata.name)).toEqual([
      'Z-node',
      'a-node',
      'node-1',
      'node-10',
      'node.2',
      'node9',
    ]);
  });

  it('hands out each node once across pages, with the count still to come (no selector)', () => {
    const names = Array.from({ length: 1_001 }, (_, index) => `gpu-${String(index).padStart(5, '0')}`);
    const store = storeWith([...names].reverse());
    const pages = readInPages(store, 100);
    expect(pages).toHaveLength(11);
    expect(pages.at(-1)).toEqual(['gpu-01000']);
    expect(pages.flat()).toEqual(names);
    expect(store.page('nodes', undefined, undefined, 'gpu-00899', 100).remaining).toBe(1);
    expect(store.page('nodes', undefined, undefined, 'gpu-00799', 100).remaining).toBe(101);
  });

  it('takes in a node created between pages when it sorts after the page read, and copies only the page', () => {
    const store = storeWith(['gpu-a', 'gpu-c']);
    const first = store.page('nodes', undefined, undefined, null, 1);
    expect(first.items.map((item) => item.metadata.name)).toEqual(['gpu-a']);
    store.create(NODES, { metadata: { name: 'gpu-b' } });
    const rest = store.page('nodes', undefined, undefined, 'gpu-a', 0);
    expect(rest.items.map((item) => item.metadata.name)).toEqual(['gpu-b', 'gpu-c']);
    // What a page hands out is a copy: changing it leaves the stored node as it was.
    rest.items[0].metadata.labels = { changed: 'yes' };
    expect(store.list('nodes')[1].metadata.labels).toBeUndefined();
  });

  it('applies the selector before paging, and forgets a deleted node', () => {
    const store = storeWith(['gpu-a', 'gpu-b', 'gpu-c', 'gpu-d']);
    store.delete(NODES, 'gpu-b');
    const notC = (node: { metadata: { name: string } }) => node.metadata.name !== 'gpu-c';
    const odd = store.page('nodes', undefined, notC, null, 2);
    expect(odd.items.map((item) => item.metadata.name)).toEqual(['gpu-a', 'gpu-d']);
    expect(odd).toMatchObject({ more: false, remaining: null });
    // With a selector, whether more match, not how many (a real server leaves the count out then).
    expect(store.page('nodes', undefined, notC, null, 1)).toMatchObject({ more: true, remaining: null });
  });
});
