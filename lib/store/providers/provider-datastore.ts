// What both providers' DataStore share: the accessors of their stores, the consumer facade over
// their registry, at most one open change feed per consumer, the ping's timing and closing the open
// feeds. Each provider adds how it opens a feed, its stats and its own connections.
import type { ConsumerRegistry } from '../datastore';
import type { StartPosition, ConsumerPositionStore } from '../feed/change-feed';
import { StoreError } from '../errors/store-error';
import type { ConsumerLagFigures } from '../feed/consumer-lag';
import type { DeadLetterStore } from '../feed/dead-letter-store';
import type { HealthEventStore } from '../health-event-store';
import type { MaintenanceEventStore } from '../maintenance-event-store';

/** A provider's consumer registry, as the facade needs it. */
export interface ProviderConsumerRegistry {
  register(name: string, startAt: StartPosition, positionStore: ConsumerPositionStore): Promise<void>;
  restart(name: string, startAt: StartPosition): Promise<void>;
  names(): Promise<string[]>;
  lag(): Promise<ConsumerLagFigures[]>;
}

export abstract class ProviderDataStore<Feed extends { close(): Promise<void> }> {
  protected abstract readonly healthEventStore: HealthEventStore;
  protected abstract readonly maintenanceEventStore: MaintenanceEventStore;
  protected abstract readonly deadLetterStore: DeadLetterStore;
  protected abstract readonly registry: ProviderConsumerRegistry;
  private readonly openFeeds = new Map<string, Feed>();
  /** Consumers whose feed is being made (an asynchronous make has not returned yet). */
  private readonly opening = new Set<string>();

  healthEvents(): HealthEventStore {
    return this.healthEventStore;
  }

  maintenanceEvents(): MaintenanceEventStore {
    return this.maintenanceEventStore;
  }

  deadLetters(): DeadLetterStore {
    return this.deadLetterStore;
  }

  consumers(): ConsumerRegistry {
    const registry = this.registry;
    return {
      register: (name, options) =>
        registry.register(name, options?.startAt ?? 'beginning', options?.positionStore ?? 'console'),
      restart: (name, options) => registry.restart(name, options.startAt),
      names: () => registry.names(),
      lag: () => registry.lag(),
    };
  }

  /**
   * Opens `consumer`'s feed with `make`, refusing while one is open (two readers would split its
   * events). `make` gets the feed's onClose, which forgets it. The consumer counts as taken from the
   * moment `make` starts, so two calls at the same moment cannot both get a feed, also while an
   * asynchronous `make` (PostgreSQL's loads the stored position first) is still running.
   */
  protected async openFeed(consumer: string, make: (onClose: () => void) => Feed | Promise<Feed>): Promise<Feed> {
    if (this.openFeeds.has(consumer) || this.opening.has(consumer)) {
      throw new StoreError(
        'feed-in-use',
        `a change feed for "${consumer}" is already open on this datastore; close it first (two readers would split its events)`,
      );
    }
    // onClose may run before `make` returns (a feed that fails while opening), so it looks the feed up.
    const opened: { feed?: Feed } = {};
    const onClose = () => {
      if (opened.feed !== undefined && this.openFeeds.get(consumer) === opened.feed) this.openFeeds.delete(consumer);
    };
    this.opening.add(consumer);
    try {
      const made = make(onClose);
      const feed = made instanceof Promise ? await made : made;
      opened.feed = feed;
      this.openFeeds.set(consumer, feed);
      return feed;
    } finally {
      this.opening.delete(consumer);
    }
  }

  /** Closes every feed still open (the datastore is closing). */
  protected closeOpenFeeds(): Promise<void> {
    return Promise.all([...this.openFeeds.values()].map((feed) => feed.close())).then(() => {});
  }

  /** How long `work` (the provider's cheapest round trip) took, in ms to two decimals. */
  protected static async timedPing(work: () => Promise<unknown>): Promise<{ latencyMs: number }> {
    const started = performance.now();
    await work();
    return { latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  }
}
