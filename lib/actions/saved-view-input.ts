// What a user sends to save, rename, share or delete a named view (POST /api/views...): each error
// names the field and what it must be. A view's query is read as strictly as its page reads its URL
// and stricter: a parameter the page does not know is refused by name (the page would ignore it, so
// the view would show more than its name promised), and so is a value the page would refuse or drop.
// Positions in a list (the Nodes page's page, the Events page's after, the Audit page's before) are
// left out: a view is a filter, opened on its first page.
import { z } from 'zod';

import { NODE_SORT_COLUMNS } from '@/lib/node-state/node-sort';
import { parseAuditFilter } from '@/lib/queries/audit-filter';
import { parseEventSearch } from '@/lib/queries/events-filter';
import { VIEW_NAME_MAX, VIEW_PAGES, VIEW_PATHS, isViewPath, type ViewPath } from '@/lib/queries/saved-views-view';
import { checkThroughputParams } from '@/lib/queries/throughput-view';

import { readBulkFilter } from './bulk-node-input';
import { firstIssue, type Parsed } from './mutation';

/** A query longer than this is no filter a page builds. */
export const VIEW_QUERY_MAX = 2_000;
const NODE_PAGE_SIZE_MAX = 1_000;
/** The Nodes page's column sort (?sort=<column>&dir=asc|desc) and page size: how it lists, not which nodes. */
const NODE_ORDER_PARAMS = ['sort', 'dir', 'pageSize'];

// Letters and digits of any script, spaces, and the punctuation names of filters use.
const NAME_CHARACTERS = /^[\p{L}\p{M}\p{N} _\-.,:()/#&+'@]+$/u;
const NAME_RULE = `letters, digits, spaces and - _ . , : ( ) / # & + ' @`;

const unknownKeys = {
  error: (issue: { code: string; keys?: string[] }) =>
    issue.code === 'unrecognized_keys' ? `unknown field ${(issue.keys ?? []).join(', ')}` : undefined,
};

/** Normalised as stored: NFC, trimmed, inner runs of spaces as one. */
export const normaliseViewName = (name: string) => name.normalize('NFC').trim().replace(/ {2,}/g, ' ');

const viewName = z
  .string({ error: 'name is required: a name for the view, such as "rack 7 unhealthy"' })
  .transform(normaliseViewName)
  .superRefine((name, context) => {
    if (name.length === 0)
      context.addIssue({
        code: 'custom',
        message: 'name is required: a name for the view, such as "rack 7 unhealthy"',
      });
    else if (name.length > VIEW_NAME_MAX)
      context.addIssue({
        code: 'custom',
        message: `name must be at most ${VIEW_NAME_MAX} characters (got ${name.length})`,
      });
    else if (!NAME_CHARACTERS.test(name)) {
      const bad = [...new Set([...name].filter((char) => !NAME_CHARACTERS.test(char)))];
      context.addIssue({
        code: 'custom',
        message: `name may hold only ${NAME_RULE} (found ${bad.map(shownCharacter).join(' ')})`,
      });
    }
  });

/** A refused character as the user can read it: itself when printable, else its code point. */
function shownCharacter(char: string): string {
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return /[\p{L}\p{N}\p{P}\p{S}]/u.test(char) ? `"${char}"` : code;
}

const viewId = z.uuid({ error: 'id must be the id of a view (a UUID)' });

const createInput = z.strictObject(
  {
    name: viewName,
    path: z.string({ error: `path must be one of ${VIEW_PATHS.join(', ')}` }),
    query: z.string({ error: "query must be text: the page's query string, such as state=unhealthy" }).default(''),
  },
  unknownKeys,
);
const renameInput = z.strictObject({ id: viewId, name: viewName }, unknownKeys);
const shareInput = z.strictObject(
  { id: viewId, shared: z.boolean({ error: 'shared must be true (anyone signed in may open its link) or false' }) },
  unknownKeys,
);
const idInput = z.strictObject({ id: viewId }, unknownKeys);

export interface CreateViewInput {
  name: string;
  path: ViewPath;
  /** Checked and written in the page's parameter order, without positions. */
  query: string;
}
export type RenameViewInput = z.infer<typeof renameInput>;
export type ShareViewInput = z.infer<typeof shareInput>;
export type ViewIdInput = z.infer<typeof idInput>;

function parseWith<T>(schema: z.ZodType<T>, input: unknown, shape: string): Parsed<T> {
  const parsed = schema.safeParse(input);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, error: firstIssue(parsed.error.issues, shape) };
}

/** Why the page at `path` would not show `params` as asked, or null. */
function valueProblem(path: ViewPath, params: URLSearchParams): string | null {
  switch (path) {
    case '/nodes': {
      const size = params.get('pageSize');
      if (size !== null && !(/^\d{1,4}$/.test(size) && Number(size) >= 1 && Number(size) <= NODE_PAGE_SIZE_MAX))
        return `query's pageSize must be a whole number from 1 to ${NODE_PAGE_SIZE_MAX} (got "${size.slice(0, 20)}")`;
      const sort = params.get('sort');
      if (sort !== null && !(NODE_SORT_COLUMNS as readonly string[]).includes(sort))
        return `query's sort must be one of ${NODE_SORT_COLUMNS.join(', ')} (got "${sort.slice(0, 40)}")`;
      const dir = params.get('dir');
      if (dir !== null && dir !== 'asc' && dir !== 'desc')
        return `query's dir must be asc or desc (got "${dir.slice(0, 20)}")`;
      const filterOnly = new URLSearchParams([...params].filter(([name]) => !NODE_ORDER_PARAMS.includes(name)));
      const filter = readBulkFilter(filterOnly.toString());
      return filter.ok ? null : filter.error;
    }
    case '/events': {
      const search = parseEventSearch(params);
      return search.ok ? null : search.error;
    }
    case '/throughput': {
      const checked = checkThroughputParams(params);
      return checked.ok ? null : checked.error;
    }
    case '/audit': {
      const filter = parseAuditFilter(params);
      return filter.ok ? null : filter.error;
    }
  }
}

/** A page's query string checked against what that page reads; the query as stored. */
export function checkViewQuery(path: ViewPath, query: string): Parsed<string> {
  const page = VIEW_PAGES[path];
  const text = query.startsWith('?') ? query.slice(1) : query;
  if (text.length > VIEW_QUERY_MAX)
    return { ok: false, error: `query must be at most ${VIEW_QUERY_MAX} characters (got ${text.length})` };
  const given = new URLSearchParams(text);
  const known: readonly string[] = page.params;
  const positions: readonly string[] = page.position;
  const unknown = [...new Set([...given.keys()].filter((name) => !known.includes(name) && !positions.includes(name)))];
  if (unknown.length > 0)
    return {
      ok: false,
      error: `query has ${unknown.length === 1 ? 'a parameter' : 'parameters'} the ${page.label} page does not know: ${unknown
        .map((name) => `"${name.slice(0, 40)}"`)
        .join(', ')}; it takes ${known.join(', ')}`,
    };
  const kept = new URLSearchParams();
  for (const name of known) {
    const values = given.getAll(name).filter((value) => value !== '');
    if (values.length > 1) return { ok: false, error: `query gives ${name} twice` };
    if (values.length === 1) kept.set(name, values[0]);
  }
  const problem = valueProblem(path, kept);
  if (problem) return { ok: false, error: problem };
  return { ok: true, value: kept.toString() };
}

export function parseCreateView(input: unknown): Parsed<CreateViewInput> {
  const parsed = parseWith(createInput, input, '{ name, path, query }');
  if (!parsed.ok) return parsed;
  const { name, path, query } = parsed.value;
  if (!isViewPath(path))
    return {
      ok: false,
      error: `path must be one of ${VIEW_PATHS.join(', ')}: the pages that keep a filter (got "${path.slice(0, 60)}")`,
    };
  const checked = checkViewQuery(path, query);
  if (!checked.ok) return checked;
  return { ok: true, value: { name, path, query: checked.value } };
}

export const parseRenameView = (input: unknown) => parseWith(renameInput, input, '{ id, name }');
export const parseShareView = (input: unknown) => parseWith(shareInput, input, '{ id, shared }');
export const parseViewId = (input: unknown) => parseWith(idInput, input, '{ id }');
