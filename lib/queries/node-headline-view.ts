// The node page's header in words, as plain JSON (browser-safe): what opened the quarantine (the
// check, its XIDs, the GPU or other entity, the recommended action; or who quarantined it by hand
// and why), the pipeline's step and how it went, and what happens next. Built on the server by
// ./node-headline.ts from what the Why chain is built from.
import type { NodeState } from '@/lib/node-state/node-view';

import type { WhyTone } from './node-why-view';

export interface HeadlineEntity {
  entityType: string;
  entityValue: string;
}

/** The event that opened the session, by a health monitor's rules. */
export interface FaultCause {
  kind: 'fault';
  checkName: string;
  /** Null (as fatal) when the opening event could not be read: then only the session's summary is known. */
  agent: string | null;
  fatal: boolean | null;
  /** The event's error codes (XIDs for the XID checks), as stored. */
  xids: string[];
  /** What it impacted, GPUs first (the event's own order otherwise). */
  entities: HeadlineEntity[];
  /** The custom recommended action when set, else the recommended action's name. */
  action: string;
  message: string;
  /** When the session opened (ms). */
  at: number;
}

/** A quarantine by hand (quarantineOverrides.force). */
export interface ManualCause {
  kind: 'manual';
  actor: string | null;
  reason: string;
  at: number;
}

export interface HeadlineStep {
  state: NodeState;
  /** "Drain failed: <node-drainer's message>". */
  text: string;
  tone: WhyTone;
}

export interface NodeHeadline {
  /** Null when no session is open (nor requested). */
  cause: FaultCause | ManualCause | null;
  /** The pipeline's step and its outcome; null without a session. */
  step: HeadlineStep | null;
  /** One sentence starting "Next: "; null when nothing is pending. */
  next: string | null;
}
