// The API server's own checks of an object's metadata, with its words, so a write the real server
// refuses is refused here the same way (422 Invalid, a Status whose message and details.causes a
// client or kubectl reads). From k8s.io/apimachinery v0.32.0 (the twin says it is 1.32):
//  - names: pkg/api/validation/objectmeta.go:155-172 (Required when empty, else the name rule:
//    DNS-1123 subdomain for most kinds, label for namespaces, generic.go:36-50);
//  - labels: pkg/apis/meta/v1/validation/validation.go:104-123, every key a qualified name and
//    every value a label value (pkg/util/validation/validation.go:42-71, 152-175);
//  - annotations: objectmeta.go:44-66, keys qualified names (lower-cased first), and all keys and
//    values together at most 256 KiB (TotalAnnotationSizeLimitB, objectmeta.go:36);
//  - the Status: pkg/api/errors/errors.go:283-311 (NewInvalid), the texts of
//    pkg/util/validation/field/errors.go (ErrorBody) and the aggregate's "[a, b]" (pkg/util/errors).
// Go iterates maps at random, so the real server lists several errors in any order; here they come
// in the object's key order.
import { ApiError, type KubeObject } from './kube-object';
import type { ResourceDefinition } from './resources';

interface FieldError {
  type: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueTooLong';
  field: string;
  /** ErrorBody: "Invalid value: \"x\": <detail>", "Required value: <detail>", "Too long: <detail>". */
  body: string;
}

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_MESSAGE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS_SUBDOMAIN_FMT = `${DNS_LABEL_FMT}(\\.${DNS_LABEL_FMT})*`;
const DNS_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
/** TotalAnnotationSizeLimitB (objectmeta.go:36). */
const ANNOTATIONS_LIMIT_BYTES = 256 * 1024;

const whole = (format: string) => new RegExp(`^${format}$`);
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const maxLength = (length: number) => `must be no more than ${length} characters`;

/** RegexError (validation.go:500-513). */
function regexError(message: string, format: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${format}')`;
  return `${message} (e.g. ${examples.map((example) => `'${example}', `).join('or ')}regex used for validation is '${format}')`;
}

/** Go's %q of a string: escapes quotes, backslashes and control characters, keeps the rest. */
function goQuote(text: string): string {
  const escaped = [...text]
    .map((char) => {
      const code = char.codePointAt(0)!;
      if (char === '"' || char === '\\') return `\\${char}`;
      if (char === '\n') return '\\n';
      if (char === '\t') return '\\t';
      if (char === '\r') return '\\r';
      if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
      return char;
    })
    .join('');
  return `"${escaped}"`;
}

function isDnsSubdomain(value: string): string[] {
  const errors: string[] = [];
  if (bytes(value) > 253) errors.push(maxLength(253));
  if (!whole(DNS_SUBDOMAIN_FMT).test(value))
    errors.push(regexError(DNS_SUBDOMAIN_MESSAGE, DNS_SUBDOMAIN_FMT, 'example.com'));
  return errors;
}

function isDnsLabel(value: string): string[] {
  const errors: string[] = [];
  if (bytes(value) > 63) errors.push(maxLength(63));
  if (!whole(DNS_LABEL_FMT).test(value))
    errors.push(
      whole(DNS_SUBDOMAIN_FMT).test(value)
        ? 'must not contain dots'
        : regexError(DNS_LABEL_MESSAGE, DNS_LABEL_FMT, 'my-name', '123-abc'),
    );
  return errors;
}

/** IsQualifiedName (validation.go:42-71): a label or annotation key, "[prefix/]name". */
export function qualifiedNameErrors(value: string): string[] {
  const errors: string[] = [];
  const parts = value.split('/');
  if (parts.length > 2)
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  const name = parts.length === 2 ? parts[1] : parts[0];
  if (parts.length === 2) {
    if (parts[0] === '') errors.push('prefix part must be non-empty');
    else errors.push(...isDnsSubdomain(parts[0]).map((message) => `prefix part ${message}`));
  }
  if (name === '') errors.push('name part must be non-empty');
  else if (bytes(name) > 63) errors.push(`name part ${maxLength(63)}`);
  if (!whole(QUALIFIED_NAME_FMT).test(name))
    errors.push(`name part ${regexError(QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errors;
}

/** IsValidLabelValue (validation.go:166-175). */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (bytes(value) > 63) errors.push(maxLength(63));
  if (!whole(LABEL_VALUE_FMT).test(value))
    errors.push(regexError(LABEL_VALUE_MESSAGE, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errors;
}

const invalid = (field: string, value: string, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field,
  body: `Invalid value: ${goQuote(value)}: ${detail}`,
});

/** What the API server finds wrong with `object`'s metadata; `creating` checks the name too (it cannot change later). */
function metadataErrors(definition: ResourceDefinition, object: KubeObject, creating: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const { name, labels = {}, annotations = {} } = object.metadata ?? {};
  if (creating) {
    if (!name)
      errors.push({
        type: 'FieldValueRequired',
        field: 'metadata.name',
        body: 'Required value: name or generateName is required',
      });
    else {
      const rule = definition.kind === 'Namespace' ? isDnsLabel : isDnsSubdomain;
      errors.push(...rule(name).map((message) => invalid('metadata.name', name, message)));
    }
  }
  for (const [key, value] of Object.entries(labels)) {
    errors.push(...qualifiedNameErrors(key).map((message) => invalid('metadata.labels', key, message)));
    errors.push(
      ...labelValueErrors(String(value)).map((message) => invalid('metadata.labels', String(value), message)),
    );
  }
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    errors.push(
      ...qualifiedNameErrors(key.toLowerCase()).map((message) => invalid('metadata.annotations', key, message)),
    );
    size += bytes(key) + bytes(String(value));
  }
  if (size > ANNOTATIONS_LIMIT_BYTES)
    errors.push({
      type: 'FieldValueTooLong',
      field: 'metadata.annotations',
      body: `Too long: may not be more than ${ANNOTATIONS_LIMIT_BYTES} bytes`,
    });
  return errors;
}

/** Refuses `object` with 422 Invalid, as the real server words it, when its metadata is not valid. */
export function assertValidMetadata(definition: ResourceDefinition, object: KubeObject, creating: boolean): void {
  const errors = metadataErrors(definition, object, creating);
  if (errors.length === 0) return;
  const name = object.metadata?.name ?? '';
  const qualifiedKind = definition.group ? `${definition.kind}.${definition.group}` : definition.kind;
  // The message aggregates the distinct errors: one alone as it is, several as "[a, b]".
  const distinct = [...new Set(errors.map((error) => `${error.field}: ${error.body}`))];
  const aggregate = distinct.length === 1 ? distinct[0] : `[${distinct.join(', ')}]`;
  throw new ApiError(422, 'Invalid', `${qualifiedKind} ${goQuote(name)} is invalid: ${aggregate}`, {
    name,
    ...(definition.group ? { group: definition.group } : {}),
    kind: definition.kind,
    causes: errors.map((error) => ({ reason: error.type, message: error.body, field: error.field })),
  });
}
