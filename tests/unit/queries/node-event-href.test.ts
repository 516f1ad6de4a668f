// The Events search's link to an event on its node's page (?range=&event=): the range it names
// must still hold the event when the link is opened, minutes after the search drew it, else the
// node page reads a range the event has left.
import { describe, expect, it } from 'vitest';

import { nodeEventHref } from '@/lib/queries/events-view';

const NOW = Date.parse('2026-12-06T11:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const at = (ageMs: number) =>
  nodeEventHref({ nodeName: 'gpu-node-0007', createdAt: NOW - ageMs, recordId: 'abc' }, NOW);

describe('the link to an event on its node page', () => {
  it('leaves a margin: an event near the edge of a range is still in it when the link is opened minutes later', () => {
    expect(at(50 * MINUTE)).toBe('/nodes/gpu-node-0007?range=1h&event=abc');
    // 58 minutes old: in the last hour now, out of it two minutes later.
    expect(at(58 * MINUTE)).toBe('/nodes/gpu-node-0007?range=6h&event=abc');
    expect(at(23 * HOUR)).toBe('/nodes/gpu-node-0007?range=7d&event=abc');
  });
});
