// What an operator may send to quarantine or release a node, checked before anything is read
// or written. Node names follow Kubernetes' rules (DNS-1123 subdomain, at most 253 characters).
import { z } from 'zod';

import { firstIssue, type Parsed } from './mutation';
import { reasonText } from './reason-text';

const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** How a manual quarantine is stored (agent and checkName of its health event). */
export const MANUAL_QUARANTINE_AGENT = 'sentinel-console';
export const MANUAL_QUARANTINE_CHECK = 'ManualQuarantine';

export const nodeActionInput = z.object({
  nodeName: z
    .string({ error: 'node name must be text' })
    .min(1, 'node name must not be empty')
    .max(253, 'node name must be at most 253 characters')
    .regex(DNS_1123_SUBDOMAIN, 'node name must be a Kubernetes node name: lowercase letters, digits, "-" and "."')
    .refine(
      (name) => name.split('.').every((label) => label.length <= 63),
      'node name parts between dots must be at most 63 characters',
    ),
  reason: reasonText,
});

export type NodeActionInput = z.infer<typeof nodeActionInput>;

/** Parses raw input; the error names the first thing wrong. */
export function parseNodeAction(input: unknown): Parsed<NodeActionInput> {
  const parsed = nodeActionInput.safeParse(input);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, error: firstIssue(parsed.error.issues, '{ nodeName, reason }') };
}
