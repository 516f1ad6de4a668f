// A mutation as an HTTP route: JSON in, JSON out, with the status the outcome deserves
// (401 not signed in, 403 role or origin refused, 400 invalid, 404 unknown target, 409 not
// possible in the current state, 429 rate limited, 500 error). Same checks and audit as the
// server actions, because both run lib/actions/run-mutation.ts.
import 'server-only';

import { nestsDeeperThan } from '@/lib/security/json-depth';
import { appContext } from '@/lib/server/app-context';

import { runBulkNodeAction } from './bulk-node-actions';
import type { BulkOperation } from './bulk-node-plan';
import { UnreadableBody, type Mutation } from './mutation';
import { runMutation } from './run-mutation';

const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** No change takes input nested deeper than this; the text is refused before it is parsed. */
const MAX_BODY_DEPTH = 32;

/** The body as JSON, or what keeps it from being read as JSON (the runner refuses and records that). */
async function jsonBody(request: Request): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > MAX_BODY_BYTES)
    return new UnreadableBody(`the request body is ${declared} bytes; a change takes at most ${MAX_BODY_BYTES}`);
  const text = await request.text();
  if (text.length === 0) return {};
  if (Buffer.byteLength(text) > MAX_BODY_BYTES)
    return new UnreadableBody(`the request body is over ${MAX_BODY_BYTES} bytes`);
  if (nestsDeeperThan(text, MAX_BODY_DEPTH))
    return new UnreadableBody(`the request body nests more than ${MAX_BODY_DEPTH} levels deep`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return new UnreadableBody('the request body is not JSON');
  }
}

export async function mutationResponse<V>(
  request: Request,
  mutation: Mutation<V>,
  fromUrl: Record<string, string>,
): Promise<Response> {
  const body = await jsonBody(request);
  // Fields from the URL win over the body's, so a body cannot redirect the change to another target.
  const input =
    body instanceof UnreadableBody
      ? new UnreadableBody(body.message, fromUrl)
      : typeof body === 'object' && body !== null && !Array.isArray(body)
        ? { ...body, ...fromUrl }
        : body;
  const result = await runMutation(appContext(), mutation, input, request.headers);
  return Response.json(result, { status: result.ok ? 200 : result.status, headers: { 'Cache-Control': 'no-store' } });
}

/** A bulk quarantine or release (./bulk-node-actions.ts): 200 with a result per node (or the dry run's plan), else the refusal's status. */
export async function bulkNodeActionResponse(request: Request, operation: BulkOperation): Promise<Response> {
  const result = await runBulkNodeAction(appContext(), operation, await jsonBody(request), request.headers);
  return Response.json(result, { status: result.ok ? 200 : result.status, headers: { 'Cache-Control': 'no-store' } });
}
