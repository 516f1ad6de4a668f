// The Kubernetes objects the twin API server keeps, and the API's own replies: a Status for every
// refusal (as the real server answers, so clients and kubectl read the reason and code), label and
// field selectors as list and watch requests send them.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  /** Set by the server when an object with finalizers is deleted; it goes once they are gone. */
  deletionTimestamp?: string;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'UnsupportedMediaType'
  | 'InternalError';

/** A refusal of the API, answered as a metav1.Status with its HTTP code. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: {
      name?: string;
      kind?: string;
      group?: string;
      /** What is wrong, field by field (metav1.StatusCause: its type is sent as "reason"). */
      causes?: { reason: string; message: string; field: string }[];
    },
  ) {
    super(message);
  }

  status(): KubeObject {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {} as ObjectMeta,
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

export const notFound = (kind: string, name: string, plural: string, group = '') =>
  new ApiError(404, 'NotFound', `${plural}${group ? `.${group}` : ''} "${name}" not found`, {
    name,
    kind: plural,
    group,
  });

export const conflict = (plural: string, name: string, group = '') =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${plural}${group ? `.${group}` : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, kind: plural, group },
  );

type Requirement = (labels: Record<string, string>) => boolean;

/** An equality- or set-based label selector (`a=b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x)`); refuses what it cannot read. */
export function parseLabelSelector(selector: string | null): Requirement {
  if (!selector) return () => true;
  const parts = selector.match(/(?:[^,(]|\([^)]*\))+/g) ?? [];
  const requirements: Requirement[] = parts.map((raw) => {
    const part = raw.trim();
    let match = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (match) {
      const [, key, operator, list] = match;
      const values = new Set(list.split(',').map((value) => value.trim()));
      return operator === 'in'
        ? (labels) => Object.hasOwn(labels, key) && values.has(labels[key])
        : (labels) => !Object.hasOwn(labels, key) || !values.has(labels[key]);
    }
    match = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(part);
    if (match) {
      const [, key, operator, value] = match;
      return operator === '!='
        ? (labels) => labels[key] !== value
        : (labels) => Object.hasOwn(labels, key) && labels[key] === value;
    }
    match = /^(!?)([\w./-]+)$/.exec(part);
    if (match) {
      const [, not, key] = match;
      return not ? (labels) => !Object.hasOwn(labels, key) : (labels) => Object.hasOwn(labels, key);
    }
    throw new ApiError(400, 'BadRequest', `unable to parse requirement: ${JSON.stringify(part)}`);
  });
  return (labels) => requirements.every((requirement) => requirement(labels));
}

/** A field selector on metadata.name / metadata.namespace (what informers of one object send). */
export function parseFieldSelector(selector: string | null): (object: KubeObject) => boolean {
  if (!selector) return () => true;
  const checks = selector.split(',').map((raw) => {
    const match = /^\s*(metadata\.name|metadata\.namespace|spec\.unschedulable)\s*(==|=|!=)\s*([^,]*)\s*$/.exec(raw);
    if (!match) throw new ApiError(400, 'BadRequest', `field label not supported: ${raw.split(/[=!]/)[0].trim()}`);
    const [, field, operator, value] = match;
    const read = (object: KubeObject) =>
      field === 'metadata.name'
        ? object.metadata.name
        : field === 'metadata.namespace'
          ? (object.metadata.namespace ?? '')
          : String(Boolean((object.spec as { unschedulable?: boolean } | undefined)?.unschedulable));
    return operator === '!='
      ? (object: KubeObject) => read(object) !== value
      : (object: KubeObject) => read(object) === value;
  });
  return (object) => checks.every((check) => check(object));
}
