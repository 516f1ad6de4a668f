// A strict parser of Prometheus' text exposition format (version 0.0.4), for tests: it reads
// what a Prometheus server would scrape and throws on anything the format does not allow, naming
// the line. Checked line by line: HELP and TYPE (once per family, before its samples), metric and
// label names, label values and their escapes, float values (+Inf, -Inf, NaN), timestamps; then
// per family: lines kept together, no repeated series, counters not negative, histograms with
// increasing `le` buckets ending in +Inf, cumulative counts, +Inf equal to _count, a _sum;
// summaries with quantiles in [0, 1].

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

export class PrometheusTextError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(line > 0 ? `line ${line}: ${message}` : message);
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;
const TIMESTAMP = /^-?\d{1,19}$/;

/** A sample value as Go's strconv.ParseFloat reads it (decimal, Inf, NaN; case-insensitive words). */
export function parseValue(text: string): number | null {
  if (DECIMAL.test(text)) return Number(text);
  const infinity = INFINITY.exec(text);
  if (infinity) return infinity[1] === '-' ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  return null;
}

/** Undoes the escapes `allowed` permits (`\\` always, `\n`, and `\"` in label values). */
function unescape(text: string, allowed: string, line: number, what: string): string {
  let out = '';
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = text[index + 1];
    if (next === undefined || !allowed.includes(next))
      throw new PrometheusTextError(line, `invalid escape \\${next ?? ''} in ${what}`);
    out += next === 'n' ? '\n' : next;
    index += 1;
  }
  return out;
}

const isBlank = (char: string | undefined) => char === ' ' || char === '\t';

/** Reads `name{label="value",...} value [timestamp]`. */
function parseSampleLine(text: string, line: number): Sample {
  let index = 0;
  const skipBlanks = () => {
    while (isBlank(text[index])) index += 1;
  };
  skipBlanks();
  const nameStart = index;
  while (index < text.length && !isBlank(text[index]) && text[index] !== '{') index += 1;
  const name = text.slice(nameStart, index);
  if (!METRIC_NAME.test(name)) throw new PrometheusTextError(line, `invalid metric name "${name}"`);
  const labels: Record<string, string> = {};
  const afterName = index;
  skipBlanks();
  if (text[index] !== '{') index = afterName;
  else {
    index += 1;
    for (;;) {
      skipBlanks();
      if (text[index] === '}') {
        index += 1;
        break;
      }
      const labelStart = index;
      while (index < text.length && /[a-zA-Z0-9_]/.test(text[index])) index += 1;
      const label = text.slice(labelStart, index);
      if (!LABEL_NAME.test(label))
        throw new PrometheusTextError(line, `invalid label name at column ${labelStart + 1} of metric ${name}`);
      if (label.startsWith('__'))
        throw new PrometheusTextError(line, `label name "${label}" is reserved (starts with __)`);
      if (label in labels) throw new PrometheusTextError(line, `label "${label}" appears twice`);
      skipBlanks();
      if (text[index] !== '=') throw new PrometheusTextError(line, `expected = after label "${label}"`);
      index += 1;
      skipBlanks();
      if (text[index] !== '"') throw new PrometheusTextError(line, `label "${label}" has no quoted value`);
      index += 1;
      const valueStart = index;
      while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
      if (index >= text.length) throw new PrometheusTextError(line, `label "${label}" has an unterminated value`);
      labels[label] = unescape(text.slice(valueStart, index), '\\"n', line, `the value of label "${label}"`);
      index += 1;
      skipBlanks();
      if (text[index] === ',') {
        index += 1;
        continue;
      }
      if (text[index] === '}') {
        index += 1;
        break;
      }
      throw new PrometheusTextError(line, `expected , or } after label "${label}"`);
    }
  }
  const rest = text.slice(index);
  if (rest.length > 0 && !isBlank(rest[0]))
    throw new PrometheusTextError(line, `expected a blank before the value of ${name}`);
  const fields = rest.split(/[ \t]+/).filter(Boolean);
  if (fields.length === 0) throw new PrometheusTextError(line, `${name} has no value`);
  if (fields.length > 2) throw new PrometheusTextError(line, `${name} has more than a value and a timestamp`);
  const value = parseValue(fields[0]);
  if (value === null) throw new PrometheusTextError(line, `"${fields[0]}" is not a float value`);
  const sample: Sample = { name, labels, value };
  if (fields.length === 2) {
    if (!TIMESTAMP.test(fields[1]))
      throw new PrometheusTextError(line, `"${fields[1]}" is not a timestamp (milliseconds, an integer)`);
    sample.timestamp = Number(fields[1]);
  }
  return sample;
}

const seriesKey = (sample: Sample, without?: string) =>
  `${sample.name}{${Object.keys(sample.labels)
    .filter((label) => label !== without)
    .sort()
    .map((label) => `${label}=${JSON.stringify(sample.labels[label])}`)
    .join(',')}}`;

/** The family a sample belongs to: a histogram's or summary's suffixed series, else its own name. */
function familyOf(name: string, families: Map<string, MetricFamily>): string {
  for (const [suffix, types] of [
    ['_bucket', ['histogram']],
    ['_sum', ['histogram', 'summary']],
    ['_count', ['histogram', 'summary']],
  ] as const) {
    if (!name.endsWith(suffix)) continue;
    const base = families.get(name.slice(0, -suffix.length));
    if (base && (types as readonly string[]).includes(base.type)) return base.name;
  }
  return name;
}

function checkHistogram(family: MetricFamily): void {
  const groups = new Map<string, { buckets: { le: number; value: number }[]; count?: number; sum?: number }>();
  const group = (sample: Sample) => {
    const key = seriesKey({ ...sample, name: family.name }, 'le');
    let found = groups.get(key);
    if (!found) groups.set(key, (found = { buckets: [] }));
    return found;
  };
  for (const sample of family.samples) {
    const suffix = sample.name.slice(family.name.length);
    if (suffix === '_bucket') {
      if (!('le' in sample.labels))
        throw new PrometheusTextError(0, `histogram ${family.name}: a bucket has no le label`);
      const le = parseValue(sample.labels.le);
      if (le === null || Number.isNaN(le))
        throw new PrometheusTextError(0, `histogram ${family.name}: le="${sample.labels.le}" is not a number`);
      group(sample).buckets.push({ le, value: sample.value });
    } else if (suffix === '_count' || suffix === '_sum') {
      if ('le' in sample.labels)
        throw new PrometheusTextError(0, `histogram ${family.name}: ${sample.name} has an le label`);
      group(sample)[suffix === '_count' ? 'count' : 'sum'] = sample.value;
    } else {
      throw new PrometheusTextError(
        0,
        `histogram ${family.name}: unexpected series ${sample.name} (only _bucket, _sum, _count)`,
      );
    }
  }
  for (const [key, { buckets, count, sum }] of groups) {
    if (buckets.length === 0) throw new PrometheusTextError(0, `histogram ${key}: no buckets`);
    for (let index = 1; index < buckets.length; index += 1) {
      if (!(buckets[index].le > buckets[index - 1].le))
        throw new PrometheusTextError(0, `histogram ${key}: buckets not in increasing le order`);
      if (buckets[index].value < buckets[index - 1].value)
        throw new PrometheusTextError(
          0,
          `histogram ${key}: bucket counts are not cumulative (le=${buckets[index].le})`,
        );
    }
    const last = buckets[buckets.length - 1];
    if (last.le !== Infinity) throw new PrometheusTextError(0, `histogram ${key}: no le="+Inf" bucket`);
    if (count === undefined) throw new PrometheusTextError(0, `histogram ${key}: no _count`);
    if (sum === undefined) throw new PrometheusTextError(0, `histogram ${key}: no _sum`);
    if (count !== last.value)
      throw new PrometheusTextError(0, `histogram ${key}: _count ${count} differs from the +Inf bucket ${last.value}`);
    if (buckets.some((bucket) => bucket.value < 0 || Number.isNaN(bucket.value)))
      throw new PrometheusTextError(0, `histogram ${key}: a negative or NaN bucket count`);
  }
}

function checkSummary(family: MetricFamily): void {
  for (const sample of family.samples) {
    const suffix = sample.name.slice(family.name.length);
    if (suffix === '') {
      const quantile = parseValue(sample.labels.quantile ?? '');
      if (quantile === null || !(quantile >= 0 && quantile <= 1))
        throw new PrometheusTextError(
          0,
          `summary ${family.name}: quantile="${sample.labels.quantile ?? ''}" is not a number from 0 to 1`,
        );
    } else if (suffix === '_count' || suffix === '_sum') {
      if ('quantile' in sample.labels)
        throw new PrometheusTextError(0, `summary ${family.name}: ${sample.name} has a quantile label`);
    } else {
      throw new PrometheusTextError(0, `summary ${family.name}: unexpected series ${sample.name}`);
    }
  }
}

/** Parses a whole exposition (it must end with a line feed). Families by name, in order of appearance. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (text.length > 0 && !text.endsWith('\n'))
    throw new PrometheusTextError(0, 'the exposition does not end with a line feed');
  const families = new Map<string, MetricFamily>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: string | null = null;
  const enter = (name: string, line: number) => {
    if (current === name) return;
    if (closed.has(name))
      throw new PrometheusTextError(line, `lines of ${name} are not kept together (the family appeared before)`);
    if (current !== null) closed.add(current);
    current = name;
  };
  const family = (name: string): MetricFamily => {
    let found = families.get(name);
    if (!found) families.set(name, (found = { name, type: 'untyped', samples: [] }));
    return found;
  };
  const typed = new Set<string>();

  const lines = text.split('\n');
  lines.pop(); // the text after the final line feed (empty)
  lines.forEach((raw, position) => {
    const line = position + 1;
    if (raw.includes('\r')) throw new PrometheusTextError(line, 'a carriage return (lines end with \\n only)');
    const trimmed = raw.replace(/^[ \t]+/, '');
    if (trimmed === '') return;
    if (trimmed.startsWith('#')) {
      const comment = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(trimmed);
      if (!comment) {
        if (/^#[ \t]*(HELP|TYPE)\b/.test(trimmed))
          throw new PrometheusTextError(line, `malformed ${/HELP/.test(trimmed) ? 'HELP' : 'TYPE'} line`);
        return; // an ordinary comment
      }
      const [, keyword, name, rest = ''] = comment;
      if (!METRIC_NAME.test(name)) throw new PrometheusTextError(line, `invalid metric name "${name}" in ${keyword}`);
      enter(name, line);
      const target = family(name);
      if (keyword === 'HELP') {
        if (target.help !== undefined) throw new PrometheusTextError(line, `a second HELP line for ${name}`);
        target.help = unescape(rest, '\\n', line, `the HELP of ${name}`);
      } else {
        const type = rest.trim();
        if (!TYPES.has(type as MetricType)) throw new PrometheusTextError(line, `unknown type "${type}" for ${name}`);
        if (typed.has(name)) throw new PrometheusTextError(line, `a second TYPE line for ${name}`);
        if (target.samples.length > 0)
          throw new PrometheusTextError(line, `the TYPE line of ${name} comes after its samples`);
        typed.add(name);
        target.type = type as MetricType;
      }
      return;
    }
    const sample = parseSampleLine(raw, line);
    const name = familyOf(sample.name, families);
    enter(name, line);
    const target = family(name);
    if (target.type === 'histogram' && sample.name === name) {
      throw new PrometheusTextError(line, `histogram ${name} has a sample without _bucket, _sum or _count`);
    }
    if (target.type === 'counter' && (sample.value < 0 || Number.isNaN(sample.value)))
      throw new PrometheusTextError(line, `counter ${name} is negative or NaN`);
    const key = seriesKey(sample);
    if (series.has(key)) throw new PrometheusTextError(line, `series ${key} appears twice`);
    series.add(key);
    target.samples.push(sample);
  });

  for (const parsed of families.values()) {
    if (parsed.type === 'histogram') checkHistogram(parsed);
    if (parsed.type === 'summary') checkSummary(parsed);
  }
  return families;
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when there is none, an error when several match. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const matches = [...families.values()]
    .flatMap((family) => family.samples)
    .filter(
      (sample) =>
        sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
    );
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value;
}
