// From the Throughput chart to the event search: a bar segment (one bucket of one series) or a
// legend entry (one series over the chart's range) as the /events search that finds the events
// counted there. The store counts a bucket [start, end) by the datastore's created_at, and the
// search's from/to window is the same created_at, start included, end excluded; each grouping's
// series is the search filter on the same field (fatality: severity fatal or non-fatal, which are
// isFatal true and false, as the count splits them). Where no search matches a series (the folded
// "other", an event without the field, a name the search refuses), the link carries the time
// window alone and says so. Shared with the browser: no server imports.
import { EVENT_NAME_PATTERN, eventSearchHref, type EventParams } from './events-view';
import { OTHER_KEY, type ThroughputGrouping } from './throughput-view';

export interface DrillTarget {
  /** The event search's parameters, as /events takes them. */
  params: EventParams;
  href: string;
  /** The search finds exactly the events counted; false when only the time window narrows it. */
  exact: boolean;
  /** Why the search is wider than the series (for the tooltip and the link's name); only when not exact. */
  note?: string;
}

/** What a series is called in a note: the grouping's field as a person names it. */
const FIELD_WORD: Record<Exclude<ThroughputGrouping, 'isFatal'>, string> = {
  agent: 'agent',
  checkName: 'check',
  componentClass: 'component class',
};
const PARAM: Record<Exclude<ThroughputGrouping, 'isFatal'>, 'agent' | 'check' | 'component'> = {
  agent: 'agent',
  checkName: 'check',
  componentClass: 'component',
};
const WIDER = 'opens every event of that time';

/** The search filter for one series of a grouping, or why there is none. */
export function seriesSearch(by: ThroughputGrouping, key: string): { params: EventParams } | { note: string } {
  if (key === OTHER_KEY) return { note: `${WIDER}: no one filter matches the series folded into "other"` };
  if (by === 'isFatal') return { params: { severity: key === 'true' ? 'fatal' : 'non-fatal' } };
  const word = FIELD_WORD[by];
  if (key === '') return { note: `${WIDER}: the search cannot ask for events without a ${word}` };
  if (!EVENT_NAME_PATTERN.test(key))
    return { note: `${WIDER}: the search takes no ${word} ${JSON.stringify(key.slice(0, 60))}` };
  return { params: { [PARAM[by]]: key } };
}

function target(by: ThroughputGrouping, key: string, from: number, to: number): DrillTarget {
  const found = seriesSearch(by, key);
  const params: EventParams = {
    ...('params' in found ? found.params : {}),
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
  };
  return {
    params,
    href: eventSearchHref(params),
    exact: 'params' in found,
    ...('note' in found ? { note: found.note } : {}),
  };
}

/** A bar segment: the events of one series stored in the bucket [start, start + bucketSeconds). */
export function segmentDrill(
  by: ThroughputGrouping,
  key: string,
  bucket: { start: number; bucketSeconds: number },
): DrillTarget {
  return target(by, key, bucket.start, bucket.start + bucket.bucketSeconds * 1000);
}

/** A legend entry: the series over every bucket the chart draws, the oldest's start to the newest's end. */
export function seriesDrill(
  by: ThroughputGrouping,
  key: string,
  chart: { buckets: { start: number }[]; bucketSeconds: number },
): DrillTarget | null {
  const first = chart.buckets[0];
  const last = chart.buckets.at(-1);
  if (!first || !last) return null;
  return target(by, key, first.start, last.start + chart.bucketSeconds * 1000);
}

/**
 * A link's accessible name: `SysLogsXIDError, 14:05–14:10: 37 events`, with the note when the
 * search is wider than the series. `when` is the time as the viewer reads it (their zone).
 */
export function drillName(input: { label: string; when: string; count: number; note?: string }): string {
  const events = `${input.count.toLocaleString()} event${input.count === 1 ? '' : 's'}`;
  return `${input.label}, ${input.when}: ${events}${input.note ? ` (${input.note})` : ''}`;
}
