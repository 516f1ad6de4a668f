// The three patch types kubectl, client-node and NVSentinel's client-go send: JSON merge patch
// (RFC 7386), strategic merge patch and JSON patch (RFC 6902). Strategic merge is merge patch plus
// the list rules of the fields these objects have: a node's status.conditions and addresses merge
// by `type`, everything else replaces (spec.taints has no merge key in the Node type, so kubectl's
// taint edits send the whole list). `$patch`/`$retainKeys` directives are refused, not guessed.
import { ApiError } from './kube-object';

type Json = unknown;
const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 7386: objects merge, null removes, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** List fields that merge by a key under a strategic merge patch, by their path. */
const MERGE_KEYS: Record<string, string> = {
  'status.conditions': 'type',
  'status.addresses': 'type',
};

export function strategicMergePatch(target: Json, patch: Json, path = ''): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$'))
      throw new ApiError(400, 'BadRequest', `the twin does not apply the strategic merge directive ${key}`);
    const here = path ? `${path}.${key}` : key;
    const mergeKey = MERGE_KEYS[here];
    if (value === null) delete out[key];
    else if (mergeKey && Array.isArray(value) && Array.isArray(out[key])) {
      const merged = [...(out[key] as Json[])];
      for (const item of value) {
        const index = merged.findIndex(
          (existing) => isObject(existing) && isObject(item) && existing[mergeKey] === item[mergeKey],
        );
        if (index >= 0) merged[index] = strategicMergePatch(merged[index], item, here);
        else merged.push(structuredClone(item));
      }
      out[key] = merged;
    } else out[key] = strategicMergePatch(out[key], value, here);
  }
  return out;
}

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: Json;
}

const unescape = (token: string) => token.replace(/~1/g, '/').replace(/~0/g, '~');

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new ApiError(422, 'Invalid', `the JSON pointer ${JSON.stringify(pointer)} does not start with /`);
  return pointer.slice(1).split('/').map(unescape);
}

function parentOf(
  document: Json,
  path: string[],
  pointer: string,
): { parent: Record<string, Json> | Json[]; key: string } {
  let node = document;
  for (const token of path.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else node = undefined;
    if (node === undefined) throw new ApiError(422, 'Invalid', `the path ${pointer} does not exist`);
  }
  if (!Array.isArray(node) && !isObject(node)) throw new ApiError(422, 'Invalid', `the path ${pointer} does not exist`);
  return { parent: node, key: path[path.length - 1] };
}

function read(document: Json, pointer: string): Json {
  let node = document;
  for (const token of tokens(pointer)) {
    node = Array.isArray(node) ? node[Number(token)] : isObject(node) ? node[token] : undefined;
    if (node === undefined) throw new ApiError(422, 'Invalid', `the path ${pointer} does not exist`);
  }
  return node;
}

function remove(document: Json, pointer: string): Json {
  const { parent, key } = parentOf(document, tokens(pointer), pointer);
  if (Array.isArray(parent)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= parent.length)
      throw new ApiError(422, 'Invalid', `the path ${pointer} does not exist`);
    return parent.splice(index, 1)[0];
  }
  if (!Object.hasOwn(parent, key)) throw new ApiError(422, 'Invalid', `the path ${pointer} does not exist`);
  const value = parent[key];
  delete parent[key];
  return value;
}

function add(document: Json, pointer: string, value: Json, replace: boolean): Json {
  const path = tokens(pointer);
  if (path.length === 0) return structuredClone(value);
  const { parent, key } = parentOf(document, path, pointer);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length || (replace && index >= parent.length))
      throw new ApiError(422, 'Invalid', `the path ${pointer} does not exist`);
    if (replace) parent[index] = structuredClone(value);
    else parent.splice(index, 0, structuredClone(value));
  } else {
    if (replace && !Object.hasOwn(parent, key))
      throw new ApiError(422, 'Invalid', `the path ${pointer} does not exist`);
    parent[key] = structuredClone(value);
  }
  return document;
}

/** RFC 6902, all six operations; a failed `test` refuses the whole patch (422), as the API server does. */
export function jsonPatch(target: Json, operations: Json): Json {
  if (!Array.isArray(operations)) throw new ApiError(400, 'BadRequest', 'a JSON patch must be an array of operations');
  let document = structuredClone(target);
  for (const operation of operations as Operation[]) {
    if (!isObject(operation) || typeof operation.path !== 'string')
      throw new ApiError(400, 'BadRequest', 'every JSON patch operation needs an op and a path');
    switch (operation.op) {
      case 'add':
        document = add(document, operation.path, operation.value, false);
        break;
      case 'replace':
        document = add(document, operation.path, operation.value, true);
        break;
      case 'remove':
        remove(document, operation.path);
        break;
      case 'move': {
        const value = remove(document, operation.from ?? '');
        document = add(document, operation.path, value, false);
        break;
      }
      case 'copy':
        document = add(document, operation.path, read(document, operation.from ?? ''), false);
        break;
      case 'test':
        if (JSON.stringify(read(document, operation.path)) !== JSON.stringify(operation.value))
          throw new ApiError(422, 'Invalid', `the test of ${operation.path} failed`);
        break;
      default:
        throw new ApiError(
          400,
          'BadRequest',
          `unknown JSON patch operation ${JSON.stringify((operation as { op: unknown }).op)}`,
        );
    }
  }
  return document;
}
