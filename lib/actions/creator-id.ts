// The `metadata.creator_id` of a manual quarantine. fault-quarantine copies
// `<agent>-<creator_id>` into the node label `k8saas.nvidia.com/cordon-by`
// (fault-quarantine/pkg/reconciler/reconciler.go:804-805, key from reconciler.go:128), and a
// Kubernetes label value is at most 63 characters of [A-Za-z0-9_.-], starting and ending
// alphanumeric. An OIDC user's identity is an e-mail address: its `@` makes the API server refuse
// the label, so the cordon fails. So creator_id is a label-safe id derived from the identity:
// the identity itself when it already fits, else its sanitised local part plus a short hash of
// the whole identity (deterministic, and two people with the same local part stay apart). The
// full identity goes in the audit log and in metadata[CREATOR_METADATA_KEY].
import { createHash } from 'node:crypto';

/** Metadata key holding the full identity of whoever asked for the quarantine. */
export const CREATOR_METADATA_KEY = 'sentinel-console/creator';

const MAX_LABEL_VALUE = 63;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const HASH_LENGTH = 8;

/** True when `value` is a valid Kubernetes label value (empty included, as Kubernetes allows). */
export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= MAX_LABEL_VALUE && LABEL_VALUE.test(value));
}

/** Letters with accents lose them; anything outside a label value's alphabet becomes `-`. */
function sanitise(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      // Stryker disable next-line Regex: without `+` each character becomes a dash, and the next line collapses the run to one dash all the same (equivalent)
      .replace(/[^A-Za-z0-9_.-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
  );
}

/** A creator_id for `identity` such that `<agent>-<creator_id>` is a valid label value. */
export function labelSafeCreatorId(identity: string, agent: string): string {
  const room = MAX_LABEL_VALUE - agent.length - 1;
  // Stryker disable next-line ConditionalExpression,StringLiteral: both extra checks are implied by isLabelValue (equivalent): an empty identity leaves `<agent>-`, which ends in a dash, and room >= length is the label's 63-character limit; `room > length` is killed (validation-edges.test.ts)
  if (isLabelValue(`${agent}-${identity}`) && identity !== '' && room >= identity.length) return identity;
  const hash = createHash('sha256').update(identity, 'utf8').digest('hex').slice(0, HASH_LENGTH);
  const at = identity.lastIndexOf('@');
  const local = sanitise(at > 0 ? identity.slice(0, at) : identity);
  const kept = sanitise(local.slice(0, Math.max(0, room - HASH_LENGTH - 1)));
  return kept ? `${kept}-${hash}` : hash;
}
