// SelfSubjectAccessReview (authorization.k8s.io/v1), as the real API server answers it: "may I do
// this?" asked by the caller about itself, answered 201 with the review and its status, never a 403
// (every authenticated user may ask; the system:basic-user ClusterRole grants it). `kubectl auth
// can-i` and the real-cluster suite (tests/support/cluster-access-checks.ts) ask it. The twin has one
// user, allowed everything but what the server's `forbid` hook refuses (the RBAC tests' mode), so
// the answer comes from that hook: what it forbids is not allowed.
import type http from 'node:http';

import { json, readBody } from './http-replies';
import { ApiError } from './kube-object';

export const ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

interface ResourceAttributes {
  verb?: string;
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  namespace?: string;
}

interface AccessReview {
  apiVersion?: string;
  kind?: string;
  spec?: { resourceAttributes?: ResourceAttributes; nonResourceAttributes?: { path?: string; verb?: string } };
}

/** Whether the twin refuses `verb` on `resource` (plural, without its group), as its request path does. */
export type Refuses = (verb: string, resource: string, name?: string, namespace?: string) => boolean;

function validated(body: unknown): AccessReview {
  const review = body as AccessReview;
  if (typeof review !== 'object' || review === null || Array.isArray(review))
    throw new ApiError(400, 'BadRequest', 'the request body is not a SelfSubjectAccessReview');
  if (review.kind !== undefined && review.kind !== 'SelfSubjectAccessReview')
    throw new ApiError(400, 'BadRequest', `the body's kind is ${String(review.kind)}, not SelfSubjectAccessReview`);
  const { resourceAttributes, nonResourceAttributes } = review.spec ?? {};
  // The real server's validation (pkg/apis/authorization/validation): exactly one of the two.
  if (resourceAttributes && nonResourceAttributes)
    throw new ApiError(
      422,
      'Invalid',
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: cannot be specified in combination with resourceAttributes',
    );
  if (!resourceAttributes && !nonResourceAttributes)
    throw new ApiError(
      422,
      'Invalid',
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  return review;
}

/** The protobuf wire format's fields of one message, by number: length-delimited ones as bytes (varints skipped). */
function protobufFields(bytes: Buffer): Map<number, Buffer> {
  const fields = new Map<number, Buffer>();
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= bytes.length) throw new ApiError(400, 'BadRequest', 'the protobuf body ends inside a field');
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const wireType = key % 8;
    if (wireType === 0) varint();
    else if (wireType === 2) {
      const length = varint();
      fields.set(Math.floor(key / 8), bytes.subarray(at, at + length));
      at += length;
    } else if (wireType === 1) at += 8;
    else if (wireType === 5) at += 4;
    else throw new ApiError(400, 'BadRequest', `the protobuf body has a field of wire type ${wireType}`);
  }
  return fields;
}

/**
 * kubectl (client-go) sends built-in types as protobuf: "k8s\0", then a runtime.Unknown whose field 2
 * is the SelfSubjectAccessReview (spec = 2; resourceAttributes = 1 with namespace 1, verb 2, group 3,
 * resource 5, subresource 6, name 7; nonResourceAttributes = 2 with path 1, verb 2: k8s.io/api
 * authorization/v1/generated.proto). Only the attributes are read; the answer is JSON, which it accepts too.
 */
function reviewFromProtobuf(body: Buffer): AccessReview {
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\0')
    throw new ApiError(400, 'BadRequest', 'the protobuf body lacks the k8s envelope');
  const raw = protobufFields(body.subarray(4)).get(2);
  const spec = protobufFields(protobufFields(raw ?? Buffer.alloc(0)).get(2) ?? Buffer.alloc(0));
  const strings = (message: Buffer | undefined, names: Record<number, string>) => {
    if (!message) return undefined;
    const fields = protobufFields(message);
    return Object.fromEntries(
      Object.entries(names).flatMap(([number, name]) => {
        const value = fields.get(Number(number))?.toString('utf8');
        return value ? [[name, value]] : [];
      }),
    );
  };
  return {
    kind: 'SelfSubjectAccessReview',
    spec: {
      resourceAttributes: strings(spec.get(1), {
        1: 'namespace',
        2: 'verb',
        3: 'group',
        5: 'resource',
        6: 'subresource',
        7: 'name',
      }),
      nonResourceAttributes: strings(spec.get(2), { 1: 'path', 2: 'verb' }),
    },
  };
}

async function reviewOf(request: http.IncomingMessage): Promise<unknown> {
  const contentType = (request.headers['content-type'] ?? 'application/json').split(';')[0].trim();
  if (contentType === 'application/json') return readBody(request);
  if (contentType !== 'application/vnd.kubernetes.protobuf')
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf',
    );
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return reviewFromProtobuf(Buffer.concat(chunks));
}

/** Answers a POST to ACCESS_REVIEW_PATH: the review back, with status.allowed from `refuses`. */
export async function answerAccessReview(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  refuses: Refuses,
): Promise<void> {
  if (request.method !== 'POST')
    throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const review = validated(await reviewOf(request));
  const attributes = review.spec!.resourceAttributes;
  // Non-resource URLs (/healthz, /version): the twin serves them to any holder of its token.
  const allowed = attributes
    ? !refuses(
        attributes.verb ?? '',
        attributes.resource ?? '',
        attributes.name || undefined,
        attributes.namespace || undefined,
      )
    : true;
  json(response, 201, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: { creationTimestamp: null },
    spec: review.spec,
    status: allowed
      ? { allowed: true, reason: 'the twin allows its token every verb that is not forbidden' }
      : { allowed: false },
  });
}
