// "Why is this node in this state?" as the node page shows it: a chain of links, the traps that hold
// the node first (they are what an operator must act on), then what would release it, then the
// pipeline's steps newest first down to the event that opened the session. Plain JSON, browser-safe;
// built on the server by ./node-why.ts from the datastore and the cluster.

export type WhyLinkKind =
  'trap' | 'waiting' | 'recovered' | 'validation' | 'remediation' | 'drain' | 'cordon' | 'cause' | 'released';

/** How the link reads: bad holds the node, warn needs a look, info is a fact, ok is done. */
export type WhyTone = 'bad' | 'warn' | 'info' | 'ok';

export interface WhyLink {
  /** Stable within a chain (React key, test hook): 'trap:breaker-tripped', 'waiting:GPU:3', 'cause'. */
  id: string;
  kind: WhyLinkKind;
  tone: WhyTone;
  /** One sentence in words. */
  title: string;
  /** What follows from it, or the details that back it; null when the title says it all. */
  detail: string | null;
  /** When it happened (ms); null for what holds now or when unknown. */
  at: number | null;
}

export interface WhyChain {
  /** The chain in one line: what holds the node now. */
  summary: string;
  links: WhyLink[];
}
