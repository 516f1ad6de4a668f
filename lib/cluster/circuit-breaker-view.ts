// The circuit breaker as an operator needs to see it: its state from NVSentinel's ConfigMap, when
// the console saw it trip, how close it is to tripping, and how many events wait behind it.
// Utilisation is read from the cluster (fault-quarantine keeps its window in memory only): GPU
// nodes cordoned by NVSentinel's rules (cordon-by NVSentinel; forced quarantines are not counted,
// reconciler.go:1065, 1168-1173) within the window, against ceil(GPU nodes × percentage / 100)
// (breaker.go:209-216). The window and share are NVSentinel's TOML settings, which the console cannot
// read: NVSENTINEL_BREAKER_PERCENTAGE and NVSENTINEL_BREAKER_WINDOW_SECONDS, defaulting to its chart's 50 and 300.
import type { ClusterNode } from './cluster-node';
import type { ClusterStatus } from './cluster-state';

export interface BreakerLimits {
  percentage: number;
  windowSeconds: number;
}

export interface CircuitBreakerView {
  /** CLOSED or TRIPPED as the ConfigMap says; null when the ConfigMap is missing (fault-quarantine creates it CLOSED). */
  status: string | null;
  cursor: string | null;
  /** When the console saw it turn TRIPPED (ms); null when it was tripped before the console watched, or is closed. */
  trippedAt: number | null;
  /** The ConfigMap's resourceVersion as shown: a reset sends it back, and is refused if the ConfigMap changed since. */
  resourceVersion: string | null;
  gpuNodes: number;
  /** Nodes NVSentinel's rules cordoned within the window, still cordoned: a lower bound of fault-quarantine's own count (released nodes and adopted cordons carry no cordon labels). */
  recentCordons: number;
  /** How many such cordons trip it. */
  limit: number;
  limits: BreakerLimits;
  /** fault-quarantine's backlog: documents behind in the datastore (null when unknown). */
  waiting: number | null;
  /** The watch it is read from: connecting (nothing read yet), live, or stale since when. */
  connection: ClusterStatus;
}

export function breakerLimitsFromEnv(env: Record<string, string | undefined> = process.env): BreakerLimits {
  const read = (name: string, fallback: number, max: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0 || value > max)
      throw new Error(`${name} must be a number above 0 and at most ${max} (got "${raw}")`);
    return value;
  };
  return {
    percentage: read('NVSENTINEL_BREAKER_PERCENTAGE', 50, 100),
    windowSeconds: read('NVSENTINEL_BREAKER_WINDOW_SECONDS', 300, 86_400),
  };
}

export function circuitBreakerView(
  breaker: { status: string | null; cursor: string | null; trippedAt: number | null; resourceVersion?: string | null },
  nodes: readonly ClusterNode[],
  limits: BreakerLimits,
  waiting: number | null,
  connection: ClusterStatus,
  now = Date.now(),
): CircuitBreakerView {
  const gpu = nodes.filter((node) => node.gpu);
  const since = now - limits.windowSeconds * 1000;
  const recentCordons = gpu.filter(
    (node) => node.cordoned && node.cordon?.by === 'NVSentinel' && (node.cordon.at ?? 0) >= since,
  ).length;
  return {
    status: breaker.status,
    cursor: breaker.cursor,
    trippedAt: breaker.status === 'TRIPPED' ? breaker.trippedAt : null,
    resourceVersion: breaker.resourceVersion ?? null,
    gpuNodes: gpu.length,
    recentCordons,
    limit: Math.ceil((gpu.length * limits.percentage) / 100),
    limits,
    waiting,
    connection,
  };
}
