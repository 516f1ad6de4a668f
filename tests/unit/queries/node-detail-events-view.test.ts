// The node page's event table a page at a time, in the browser's half: the rows shown stay whole
// when the first page is read again (a live update): older pages loaded go on below it while it
// reaches back into them, and are dropped rather than shown with a gap when more events came than a
// page holds; the query of an older page goes to the route and comes back as it was, and a wrong
// one is refused naming what is wrong.
import { describe, expect, it } from 'vitest';

import {
  joinEventPages,
  nodeEventsQuery,
  parseNodeEventsQuery,
  type NodeEventsPage,
} from '@/lib/queries/node-detail-events-view';
import type { NodeEventRow } from '@/lib/queries/node-detail-view';

/** Event `n` (higher is newer); `version` stands for a status read later. */
const row = (n: number, version = 1) => ({ recordId: `r-${n}`, createdAt: n, version }) as unknown as NodeEventRow;
const ids = (page: NodeEventsPage) => page.events.map((event) => event.recordId);
const cursor = (n: number) => ({ createdAt: `2026-12-06T10:00:00.${String(n).padStart(6, '0')}Z`, recordId: `r-${n}` });
/** A page of events `newest` down to `oldest`, and a cursor when older ones exist (down to 1). */
const page = (newest: number, oldest: number, version = 1): NodeEventsPage => ({
  events: Array.from({ length: newest - oldest + 1 }, (_, index) => row(newest - index, version)),
  older: oldest > 1 ? cursor(oldest) : null,
});

describe('the event table when its first page is read again', () => {
  // Shown: events 30 down to 11 (a first page of 10, then an older page of 10), more below.
  const shown = page(30, 11);

  it('with no older page loaded, shows the new first page as it is', () => {
    expect(joinEventPages(page(33, 24), null)).toEqual(page(33, 24));
  });

  it('a few new events: the new page, then the older rows shown below its last, once each, the cursor going on', () => {
    const joined = joinEventPages(page(33, 24, 2), shown);
    expect(ids(joined)).toEqual(Array.from({ length: 23 }, (_, index) => `r-${33 - index}`));
    expect(joined.older).toEqual(cursor(11));
    // Rows of the new page as it read them (a status changed), the older rows as they were.
    expect(joined.events.slice(0, 10).every((event) => (event as unknown as { version: number }).version === 2)).toBe(
      true,
    );
    expect((joined.events[10] as unknown as { version: number }).version).toBe(1);
  });

  it('no new event: the rows shown, the first page read again', () => {
    expect(ids(joinEventPages(page(30, 21), shown))).toEqual(ids(shown));
  });

  it('more new events than a page holds: the new page alone, not the older rows with a gap above them', () => {
    // The new page (50-41) does not reach the rows shown (30 and older): 40-31 were never read.
    expect(joinEventPages(page(50, 41), shown)).toEqual(page(50, 41));
  });

  it('a new page that holds the last event of the range is shown alone', () => {
    expect(joinEventPages(page(8, 1), page(30, 11))).toEqual(page(8, 1));
  });
});

describe('the query of an older page', () => {
  const request = { from: 1_000, to: 3_601_000, filter: { entity: 'GPU:3', fatal: true }, older: cursor(7) };

  it('goes to the route and comes back as it was', () => {
    const query = nodeEventsQuery(request);
    expect(query).toBe('from=1000&to=3601000&entity=GPU%3A3&fatal=1&older=2026-12-06T10%3A00%3A00.000007Z%7Er-7');
    expect(parseNodeEventsQuery(new URLSearchParams(query))).toEqual({ request });
    const plain = { ...request, filter: { entity: null, fatal: false } };
    expect(parseNodeEventsQuery(new URLSearchParams(nodeEventsQuery(plain)))).toEqual({ request: plain });
  });

  it('a wrong one is refused, each problem named', () => {
    const problems = (query: string) => {
      const parsed = parseNodeEventsQuery(new URLSearchParams(query));
      return 'problems' in parsed ? parsed.problems : [];
    };
    expect(problems('from=5&to=1&older=2026-12-06T10:00:00Z~r-1&range=1h')).toEqual([
      'unknown parameter range (taken: from, to, entity, fatal, older)',
      'from must be before to (got 5 and 1)',
    ]);
    expect(problems(`from=0&to=${31 * 86_400_000}&older=2026-12-06T10:00:00Z~r-1`)).toEqual([
      'the window may span 30 days at most, the longest range (got 744 hours)',
    ]);
    expect(problems('from=yesterday&to=1&older=now&entity=GPU3')).toEqual([
      'from must be given once, a time in milliseconds since 1970 (got ["yesterday"])',
      'older must be given once, the cursor an answer handed out (time~record id; got ["now"])',
      'entity must be TYPE:VALUE, such as GPU:3 or NIC:mlx5_0 (got "GPU3")',
    ]);
    expect(problems('from=1&to=2')).toEqual([
      'older must be given once, the cursor an answer handed out (time~record id; got [])',
    ]);
  });
});
