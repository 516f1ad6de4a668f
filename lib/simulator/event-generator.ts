// Generates NVSentinel-shaped health events for a simulated cluster. Deterministic for a seed:
// the same seed, cluster and times give the same events, so a run can be replayed exactly.
//
// Each node keeps the faults it currently has (check + entity); a later healthy event for the same
// check and entity is its recovery, which is what NVSentinel's fault-quarantine waits for before
// releasing a node.
import type { NewHealthEvent } from '../store';
import { dateToTimestamp } from '../store';
import { FAULT_KINDS, type FaultKind } from './event-catalog';
import { SeededRandom } from './seeded-random';

/** Metadata key every simulated event carries, so real data is never mistaken for simulated. */
export const SIMULATOR_MARK = 'sentinel-console-simulator';

export interface ClusterShape {
  seed: number;
  nodes: number;
  gpusPerNode?: number;
  nicsPerNode?: number;
  /** Prefix of node names: `<prefix>-0001` … */
  nodePrefix?: string;
}

export interface EventMix {
  /** Share of events that are new faults (the rest are recoveries and healthy reports). */
  faultShare: number;
  /** Share of active faults recovered when a recovery is drawn. */
  recoveryShare: number;
  /** Chance that a fault starts a burst of repeats on the same node. */
  burstChance: number;
  burstSize: number;
}

export const DEFAULT_MIX: EventMix = { faultShare: 0.12, recoveryShare: 0.5, burstChance: 0.02, burstSize: 20 };

interface ActiveFault {
  kind: FaultKind;
  entity: string;
}

export class EventGenerator {
  readonly nodeNames: string[];
  private readonly random: SeededRandom;
  private readonly active = new Map<string, ActiveFault[]>();
  private readonly pending: NewHealthEvent[] = [];
  /** Nodes whose monitors report nothing for now (mute), and the others, which the draw picks from. */
  private readonly muted = new Set<string>();
  private audible: string[] = [];
  private readonly gpus: number;
  private readonly nics: number;

  constructor(
    shape: ClusterShape,
    private readonly mix: EventMix = DEFAULT_MIX,
  ) {
    if (!Number.isInteger(shape.nodes) || shape.nodes < 1 || shape.nodes > 100_000) {
      throw new RangeError(`nodes must be a whole number from 1 to 100000 (got ${shape.nodes})`);
    }
    this.random = new SeededRandom(shape.seed);
    this.gpus = shape.gpusPerNode ?? 8;
    this.nics = shape.nicsPerNode ?? 4;
    const width = Math.max(4, String(shape.nodes).length);
    this.nodeNames = Array.from(
      { length: shape.nodes },
      (_, i) => `${shape.nodePrefix ?? 'gpu-node'}-${String(i + 1).padStart(width, '0')}`,
    );
  }

  private entityFor(kind: FaultKind): string {
    if (kind.entityType === 'GPU') return String(this.random.int(this.gpus));
    if (kind.entityType === 'NIC') return `mlx5_${this.random.int(this.nics)}`;
    return '0';
  }

  private build(
    node: string,
    kind: FaultKind,
    entity: string,
    at: Date,
    healthy: boolean,
    fatal: boolean,
    code?: string,
  ): NewHealthEvent {
    return {
      nodeName: node,
      agent: kind.agent,
      checkName: kind.checkName,
      componentClass: kind.componentClass,
      isFatal: fatal,
      isHealthy: healthy,
      message: healthy ? `${kind.checkName} healthy on ${kind.entityType} ${entity}` : kind.message(code, entity),
      recommendedAction: healthy ? 'NONE' : kind.recommendedAction,
      errorCode: code && !healthy ? [code] : [],
      entitiesImpacted: [{ entityType: kind.entityType, entityValue: entity }],
      metadata: { [SIMULATOR_MARK]: 'true' },
      generatedTimestamp: dateToTimestamp(at),
      processingStrategy: 'EXECUTE_REMEDIATION',
      createdAt: at,
    };
  }

  /**
   * Silences a node's monitors until unmute: no fault, recovery or repeat is written for it, so
   * nothing the simulated cluster does races a person (or a browser test) acting on it by hand.
   * Refused (RangeError) for a node outside the cluster, and for the last node still reporting.
   */
  mute(node: string): void {
    if (!this.nodeNames.includes(node)) throw new RangeError(`no simulated node "${node}"`);
    if (this.muted.has(node)) return;
    if (this.muted.size + 1 >= this.nodeNames.length)
      throw new RangeError(`"${node}" is the last node still reporting; the simulated cluster needs one`);
    this.muted.add(node);
    this.audible = this.nodeNames.filter((name) => !this.muted.has(name));
    // Repeats of a burst already drawn for it are dropped with it.
    for (let i = this.pending.length - 1; i >= 0; i -= 1)
      if (this.pending[i].nodeName === node) this.pending.splice(i, 1);
  }

  /** Its monitors report again (a no-op for a node not muted). */
  unmute(node: string): void {
    if (!this.nodeNames.includes(node)) throw new RangeError(`no simulated node "${node}"`);
    if (!this.muted.delete(node)) return;
    this.audible = this.nodeNames.filter((name) => !this.muted.has(name));
  }

  /** The nodes muted now, in name order. */
  mutedNodes(): string[] {
    return [...this.muted].sort();
  }

  /** The next event, as a monitor would report it at `at`. */
  next(at: Date): NewHealthEvent {
    const queued = this.pending.shift();
    if (queued) return { ...queued, createdAt: at, generatedTimestamp: dateToTimestamp(at) };
    // Without a muted node the draw is the one a seed has always given.
    const node = this.random.pick(this.muted.size === 0 ? this.nodeNames : this.audible);
    const faults = this.active.get(node) ?? [];
    const roll = this.random.next();

    if (roll < this.mix.faultShare) {
      const kind = this.random.weighted(FAULT_KINDS);
      const entity = this.entityFor(kind);
      const fatal = this.random.chance(kind.fatalShare);
      const code = kind.errorCodes ? this.random.pick(kind.errorCodes) : undefined;
      const event = this.build(node, kind, entity, at, false, fatal, code);
      if (!faults.some((f) => f.kind === kind && f.entity === entity)) faults.push({ kind, entity });
      this.active.set(node, faults);
      if (this.random.chance(this.mix.burstChance)) {
        for (let i = 0; i < this.mix.burstSize; i += 1)
          this.pending.push(this.build(node, kind, entity, at, false, fatal, code));
      }
      return event;
    }
    if (faults.length > 0 && this.random.chance(this.mix.recoveryShare)) {
      const [recovered] = faults.splice(this.random.int(faults.length), 1);
      return this.build(node, recovered.kind, recovered.entity, at, true, false);
    }
    const kind = this.random.weighted(FAULT_KINDS);
    return this.build(node, kind, this.entityFor(kind), at, true, false);
  }

  /** `count` events spread evenly from `from`, `spacingMs` apart. */
  batch(count: number, from: Date, spacingMs: number): NewHealthEvent[] {
    return Array.from({ length: count }, (_, i) => this.next(new Date(from.getTime() + i * spacingMs)));
  }

  /** Faults currently open per node (for tests and the simulator's own progress line). */
  activeFaults(): number {
    let total = 0;
    for (const faults of this.active.values()) total += faults.length;
    return total;
  }
}
