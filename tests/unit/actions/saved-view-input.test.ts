// What a named view may hold: a name a person can read, one of the pages that keep a filter, and
// only that page's parameters with values the page would read as given.
import { describe, expect, it } from 'vitest';

import {
  checkViewQuery,
  parseCreateView,
  parseRenameView,
  parseShareView,
  parseViewId,
} from '@/lib/actions/saved-view-input';

const ID = '0b7d3c1e-5f2a-4c8e-9d61-2a4b6c8e0f13';

describe('parseCreateView', () => {
  it('keeps a view of the Events page with its filter, in the page’s parameter order', () => {
    expect(parseCreateView({ name: '  XID 79  fatal ', path: '/events', query: '?severity=fatal&xid=79' })).toEqual({
      ok: true,
      value: { name: 'XID 79 fatal', path: '/events', query: 'xid=79&severity=fatal' },
    });
  });

  it('keeps a Nodes view with its states, search, sort and page size, and leaves the page number out', () => {
    expect(
      parseCreateView({
        name: 'rack 7 (unhealthy)',
        path: '/nodes',
        query: 'page=3&state=unhealthy,quarantined&q=rack7&sort=fatal&dir=desc&pageSize=50',
      }),
    ).toEqual({
      ok: true,
      value: {
        name: 'rack 7 (unhealthy)',
        path: '/nodes',
        query: 'state=unhealthy%2Cquarantined&q=rack7&sort=fatal&dir=desc&pageSize=50',
      },
    });
  });

  it('keeps an unfiltered page, names in other scripts, and the Throughput and Audit pages', () => {
    expect(parseCreateView({ name: 'Ночная смена', path: '/nodes' })).toMatchObject({ ok: true, value: { query: '' } });
    expect(parseCreateView({ name: 'last day', path: '/throughput', query: 'range=24h&by=checkName' })).toMatchObject({
      ok: true,
      value: { query: 'range=24h&by=checkName' },
    });
    expect(
      parseCreateView({ name: 'refused changes', path: '/audit', query: 'outcome=denied&before=1234' }),
    ).toMatchObject({ ok: true, value: { query: 'outcome=denied' } });
  });

  it.each([
    [{ path: '/nodes' }, 'name is required: a name for the view, such as "rack 7 unhealthy"'],
    [{ name: '   ', path: '/nodes' }, 'name is required: a name for the view, such as "rack 7 unhealthy"'],
    [{ name: 'x'.repeat(81), path: '/nodes' }, 'name must be at most 80 characters (got 81)'],
    [
      { name: '<script>alert(1)</script>', path: '/nodes' },
      `name may hold only letters, digits, spaces and - _ . , : ( ) / # & + ' @ (found "<" ">")`,
    ],
    [
      { name: 'rack\u202e7', path: '/nodes' },
      `name may hold only letters, digits, spaces and - _ . , : ( ) / # & + ' @ (found U+202E)`,
    ],
    [
      { name: 'tab\there', path: '/nodes' },
      `name may hold only letters, digits, spaces and - _ . , : ( ) / # & + ' @ (found U+0009)`,
    ],
    [{ name: 'ok' }, 'path must be one of /nodes, /events, /throughput, /audit'],
    [
      { name: 'ok', path: '/pipeline' },
      'path must be one of /nodes, /events, /throughput, /audit: the pages that keep a filter (got "/pipeline")',
    ],
    [
      { name: 'ok', path: 'https://evil.example/nodes' },
      'path must be one of /nodes, /events, /throughput, /audit: the pages that keep a filter (got "https://evil.example/nodes")',
    ],
    [{ name: 'ok', path: '/nodes', owner: 'someone' }, 'unknown field owner'],
    [{ name: 'ok', path: '/nodes', query: 7 }, "query must be text: the page's query string, such as state=unhealthy"],
    ['a string', 'expected { name, path, query }'],
  ])('refuses %j: %s', (input, error) => {
    expect(parseCreateView(input)).toEqual({ ok: false, error });
  });
});

describe('checkViewQuery', () => {
  it('names every parameter the page does not know, and what it takes', () => {
    expect(checkViewQuery('/events', 'severity=fatal&sevrity=fatal&colour=red')).toEqual({
      ok: false,
      error:
        'query has parameters the Events page does not know: "sevrity", "colour"; it takes xid, check, agent, component, entity, severity, action, node, range, from, to, view, limit',
    });
    expect(checkViewQuery('/throughput', 'range=1h&state=healthy')).toEqual({
      ok: false,
      error: 'query has a parameter the Throughput page does not know: "state"; it takes range, by',
    });
    // An export format is the events route's, not the page's.
    expect(checkViewQuery('/events', 'format=csv')).toMatchObject({
      ok: false,
      error: expect.stringContaining('"format"'),
    });
  });

  it('refuses a value its page would refuse or drop, naming it', () => {
    expect(checkViewQuery('/nodes', 'state=sick')).toEqual({
      ok: false,
      error: expect.stringContaining('unknown state "sick"'),
    });
    expect(checkViewQuery('/nodes', 'disagree=yes')).toEqual({
      ok: false,
      error: `filter's disagree must be 1 (got "yes")`,
    });
    expect(checkViewQuery('/nodes', 'pageSize=0')).toEqual({
      ok: false,
      error: 'query\'s pageSize must be a whole number from 1 to 1000 (got "0")',
    });
    expect(checkViewQuery('/nodes', 'sort=colour')).toMatchObject({
      ok: false,
      error: expect.stringContaining('sort must be one of'),
    });
    expect(checkViewQuery('/nodes', 'dir=up')).toEqual({
      ok: false,
      error: `query's dir must be asc or desc (got "up")`,
    });
    expect(checkViewQuery('/throughput', 'range=2y')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^range must be one of/),
    });
    expect(checkViewQuery('/audit', 'outcome=maybe')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^outcome must be one of/),
    });
    expect(checkViewQuery('/events', 'severity=bad')).toMatchObject({
      ok: false,
      error: expect.stringContaining('severity'),
    });
  });

  it('refuses a parameter given twice, and a query longer than a page builds', () => {
    expect(checkViewQuery('/nodes', 'q=a&q=b')).toEqual({ ok: false, error: 'query gives q twice' });
    expect(checkViewQuery('/nodes', `q=${'a'.repeat(2_000)}`)).toEqual({
      ok: false,
      error: 'query must be at most 2000 characters (got 2002)',
    });
  });

  it('drops empty parameters, as the pages do', () => {
    expect(checkViewQuery('/nodes', 'q=&agent=gpu-health-monitor')).toEqual({
      ok: true,
      value: 'agent=gpu-health-monitor',
    });
  });
});

describe('rename, share and delete', () => {
  it('take the view’s id and what changes, nothing else', () => {
    expect(parseRenameView({ id: ID, name: ' night shift ' })).toEqual({
      ok: true,
      value: { id: ID, name: 'night shift' },
    });
    expect(parseShareView({ id: ID, shared: true })).toEqual({ ok: true, value: { id: ID, shared: true } });
    expect(parseViewId({ id: ID })).toEqual({ ok: true, value: { id: ID } });
    expect(parseViewId({ id: '42' })).toEqual({ ok: false, error: 'id must be the id of a view (a UUID)' });
    expect(parseShareView({ id: ID, shared: 'yes' })).toEqual({
      ok: false,
      error: 'shared must be true (anyone signed in may open its link) or false',
    });
    expect(parseRenameView({ id: ID, name: 'a', path: '/audit' })).toEqual({ ok: false, error: 'unknown field path' });
    expect(parseRenameView({ id: ID, name: 'semi;colon' })).toEqual({
      ok: false,
      error: `name may hold only letters, digits, spaces and - _ . , : ( ) / # & + ' @ (found ";")`,
    });
  });
});
