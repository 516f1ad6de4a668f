import { describe, expect, it } from 'vitest';

import { LiveRequestError, parseLiveRequest } from '@/lib/live/live-request';

const url = (query: string) => new URL(`http://console/api/live?${query}`);

describe('live request', () => {
  it('reads topics, the node filter and the resume id', () => {
    expect(parseLiveRequest(url('topics=nodes,node:gpu-7&state=draining&q=gpu'), '42')).toEqual({
      topics: ['nodes', 'node:gpu-7'],
      filter: { states: ['draining'], search: 'gpu' },
      lastEventId: '42',
      snapshot: true,
    });
    expect(parseLiveRequest(url(''), null).topics).toEqual(['nodes']);
    // The paged Nodes page holds its own rows and asks for diffs only.
    expect(parseLiveRequest(url('topics=nodes&snapshot=0'), null).snapshot).toBe(false);
  });

  it('refuses an unknown topic, naming it', () => {
    expect(() => parseLiveRequest(url('topics=nodes,everything'), null)).toThrow(LiveRequestError);
    expect(() => parseLiveRequest(url('topics=node:'), null)).toThrow(/unknown topic "node:"/);
  });
});
