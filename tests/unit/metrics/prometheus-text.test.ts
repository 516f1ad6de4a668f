// The test suite's Prometheus text-format parser: it must read what prom-client writes and what
// the format allows, and refuse what a Prometheus server would not scrape.
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { parsePrometheusText, sampleValue } from '../../support/prometheus-text';

const valid = `# A comment that is not HELP or TYPE
# HELP http_requests_total Requests, with a back\\\\slash and a\\nsecond line.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3   1395066363000

  # TYPE msdos_file_access_time_seconds gauge
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
metric_without_timestamp_and_labels 12.47
something_weird{problem="division by zero"} +Inf -3982045
nan_value NaN
negative_infinity -Inf
trailing_comma{a="1",} 0.5
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.99"} 76656
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
`;

const expectRejected = (text: string, message: RegExp) => expect(() => parsePrometheusText(text)).toThrow(message);

describe('Prometheus text parser', () => {
  it('reads the format: HELP with escapes, TYPE, labels with escapes, timestamps, +Inf, -Inf, NaN, histograms, summaries', () => {
    const families = parsePrometheusText(valid);
    expect(families.get('http_requests_total')).toMatchObject({
      type: 'counter',
      help: 'Requests, with a back\\slash and a\nsecond line.',
    });
    expect(families.get('http_requests_total')?.samples).toEqual([
      { name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027, timestamp: 1395066363000 },
      { name: 'http_requests_total', labels: { method: 'post', code: '400' }, value: 3, timestamp: 1395066363000 },
    ]);
    expect(families.get('msdos_file_access_time_seconds')?.samples[0].labels).toEqual({
      path: 'C:\\DIR\\FILE.TXT',
      error: 'Cannot find file:\n"FILE.TXT"',
    });
    expect(sampleValue(families, 'something_weird')).toBe(Infinity);
    expect(families.get('something_weird')?.samples[0].timestamp).toBe(-3982045);
    expect(sampleValue(families, 'nan_value')).toBeNaN();
    expect(sampleValue(families, 'negative_infinity')).toBe(-Infinity);
    expect(sampleValue(families, 'trailing_comma', { a: '1' })).toBe(0.5);
    expect(families.get('metric_without_timestamp_and_labels')?.type).toBe('untyped');
    expect(families.get('http_request_duration_seconds')?.samples).toHaveLength(5);
    expect(sampleValue(families, 'rpc_duration_seconds', { quantile: '0.99' })).toBe(76656);
  });

  it('reads what prom-client writes, every metric type', async () => {
    const registry = new Registry();
    new Counter({ name: 'jobs_total', help: 'Jobs "done"\\ here', labelNames: ['queue'], registers: [registry] }).inc(
      { queue: 'a\nb"c\\d' },
      3,
    );
    new Gauge({ name: 'temperature_celsius', help: 'Temperature', registers: [registry] }).set(NaN);
    const histogram = new Histogram({
      name: 'latency_seconds',
      help: 'Latency',
      labelNames: ['op'],
      buckets: [0.1, 1],
      registers: [registry],
    });
    histogram.observe({ op: 'read' }, 0.05);
    histogram.observe({ op: 'read' }, 5);
    histogram.observe({ op: 'write' }, 0.5);
    const summary = new Summary({ name: 'size_bytes', help: 'Size', percentiles: [0.5, 0.9], registers: [registry] });
    summary.observe(10);
    const families = parsePrometheusText(await registry.metrics());
    expect(sampleValue(families, 'jobs_total', { queue: 'a\nb"c\\d' })).toBe(3);
    expect(families.get('jobs_total')?.help).toBe('Jobs "done"\\ here');
    expect(sampleValue(families, 'temperature_celsius')).toBeNaN();
    expect(sampleValue(families, 'latency_seconds_bucket', { op: 'read', le: '+Inf' })).toBe(2);
    expect(sampleValue(families, 'latency_seconds_count', { op: 'write' })).toBe(1);
    expect(families.get('size_bytes')?.type).toBe('summary');
  });

  it('rejects malformed lines', () => {
    expectRejected('1metric 1\n', /invalid metric name "1metric"/);
    expectRejected('metric-name 1\n', /invalid metric name/);
    expectRejected('metric{label="1" 1\n', /expected , or }/);
    expectRejected('metric{label=1} 1\n', /has no quoted value/);
    expectRejected('metric{label="1} 1\n', /unterminated value/);
    expectRejected('metric{label="a\\tb"} 1\n', /invalid escape \\t/);
    expectRejected('metric{1label="1"} 1\n', /invalid label name/);
    expectRejected('metric{__name__="x"} 1\n', /reserved/);
    expectRejected('metric{a="1",a="2"} 1\n', /appears twice/);
    expectRejected('metric{a="1"}1\n', /expected a blank/);
    expectRejected('metric\n', /has no value/);
    expectRejected('metric abc\n', /"abc" is not a float value/);
    expectRejected('metric 1,5\n', /is not a float value/);
    expectRejected('metric 0x1p3\n', /is not a float value/);
    expectRejected('metric 1 12.5\n', /is not a timestamp/);
    expectRejected('metric 1 2 3\n', /more than a value and a timestamp/);
    expectRejected('metric 1\r\n', /carriage return/);
    expectRejected('metric 1', /does not end with a line feed/);
  });

  it('rejects malformed HELP and TYPE lines and misplaced ones', () => {
    expectRejected('# HELP metric a \\t tab\nmetric 1\n', /invalid escape/);
    expectRejected('# TYPE metric\nmetric 1\n', /unknown type ""/);
    expectRejected('# TYPE metric countr\nmetric 1\n', /unknown type "countr"/);
    expectRejected('# TYPE metric gauge\n# TYPE metric gauge\nmetric 1\n', /second TYPE/);
    expectRejected('# HELP metric a\n# HELP metric b\nmetric 1\n', /second HELP/);
    expectRejected('metric 1\n# TYPE metric gauge\n', /after its samples/);
    expectRejected('# TYPE bad-name gauge\n', /invalid metric name/);
    expectRejected('# HELP\n', /malformed HELP/);
  });

  it('rejects families split apart, repeated series and negative counters', () => {
    expectRejected('a 1\nb 1\na{x="1"} 2\n', /not kept together/);
    expectRejected('a{x="1",y="2"} 1\na{y="2",x="1"} 1\n', /appears twice/);
    expectRejected('# TYPE c_total counter\nc_total -1\n', /negative/);
  });

  it('rejects inconsistent histograms and summaries', () => {
    const histogram = (lines: string) => `# TYPE h histogram\n${lines}`;
    expectRejected(histogram('h_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'), /no le="\+Inf" bucket/);
    expectRejected(histogram('h_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'), /not cumulative/);
    expectRejected(
      histogram('h_bucket{le="2"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'),
      /increasing le/,
    );
    expectRejected(
      histogram('h_bucket{le="+Inf"} 3\nh_sum 1\nh_count 2\n'),
      /_count 2 differs from the \+Inf bucket 3/,
    );
    expectRejected(histogram('h_bucket{le="+Inf"} 3\nh_sum 1\n'), /no _count/);
    expectRejected(histogram('h_bucket{le="+Inf"} 3\nh_count 3\n'), /no _sum/);
    expectRejected(histogram('h_bucket 3\nh_sum 1\nh_count 3\n'), /no le label/);
    expectRejected(histogram('h_bucket{le="one"} 3\nh_sum 1\nh_count 3\n'), /is not a number/);
    expectRejected(histogram('h 3\n'), /without _bucket/);
    expectRejected(
      histogram('h_bucket{op="a",le="+Inf"} 1\nh_sum{op="a"} 1\nh_count{op="b"} 1\n'),
      /no _count|no buckets/,
    );
    expectRejected('# TYPE s summary\ns{quantile="1.5"} 1\ns_sum 1\ns_count 1\n', /from 0 to 1/);
  });
});
