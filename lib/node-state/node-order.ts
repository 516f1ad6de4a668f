// The order of the Nodes page, worst first (what needs an operator comes to the top), then by
// name with numbers in numeric order (gpu-node-2 before gpu-node-10); and its paging.
import type { NodeState, NodeView } from './node-view';

export const NODE_SEVERITY_ORDER: readonly NodeState[] = [
  'drain-failed',
  'remediation-failed',
  'draining',
  'remediating',
  'quarantined',
  'unhealthy',
  'released',
  'remediated',
  'healthy',
];
const RANK = new Map(NODE_SEVERITY_ORDER.map((state, index) => [state, index]));

// Sorting 10,000 nodes per request must stay cheap: a padded key per name, computed once, then
// plain string comparison (an Intl collator per comparison costs ten times more).
const naturalKeys = new Map<string, string>();
export function naturalKey(name: string): string {
  let key = naturalKeys.get(name);
  // Stryker disable next-line ConditionalExpression: equivalent: computing the key again when it is kept gives the same key (the cache only saves time)
  if (key === undefined) {
    key = name.replace(/\d+/g, (digits) => digits.padStart(20, '0'));
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent in every answer: when the cache is cleared only bounds its memory, and a cleared key is computed again the same
    if (naturalKeys.size > 200_000) naturalKeys.clear();
    naturalKeys.set(name, key);
  }
  return key;
}

export function compareWorstFirst(a: Pick<NodeView, 'state' | 'name'>, b: Pick<NodeView, 'state' | 'name'>): number {
  const byState = (RANK.get(a.state) ?? 99) - (RANK.get(b.state) ?? 99);
  if (byState !== 0) return byState;
  return compareNames(a.name, b.name);
}

/**
 * Names in natural order; names with the same natural key ("gpu-1", "gpu-01") by their text, so no
 * two nodes ever compare equal: every way of putting a page in order agrees (a tie left to each sort's
 * own way put a node on two pages and its twin on none).
 */
export function compareNames(a: string, b: string): number {
  const left = naturalKey(a);
  const right = naturalKey(b);
  if (left !== right) return left < right ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export const NODE_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1_000;

export interface NodePageRequest {
  /** Zero-based. */
  page: number;
  pageSize: number;
}

/** ?page= (1-based in the URL, as people count) and ?pageSize=; anything odd falls back to the first page. */
export function parseNodePage(
  params: URLSearchParams | Record<string, string | string[] | undefined>,
): NodePageRequest {
  const get = (key: string) => {
    const value = params instanceof URLSearchParams ? params.get(key) : params[key];
    return Array.isArray(value) ? value[0] : (value ?? undefined);
  };
  const page = Number(get('page') ?? 1);
  const size = Number(get('pageSize') ?? NODE_PAGE_SIZE);
  return {
    // Stryker disable next-line EqualityOperator: `page > 1` is equivalent: page 1 gives index 0 either way (page - 1, or the fallback 0); the line's other equality mutants are killed by the tests in tests/unit/node-state
    page: Number.isInteger(page) && page >= 1 && page <= 1_000_000 ? page - 1 : 0,
    pageSize: Number.isInteger(size) && size >= 1 ? Math.min(size, MAX_PAGE_SIZE) : NODE_PAGE_SIZE,
  };
}
