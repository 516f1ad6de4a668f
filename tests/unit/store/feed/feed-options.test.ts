// What every provider checks before it opens a feed: the consumer's name (NVSentinel's client
// names) and the collections and batch size asked for.
import { describe, expect, it } from 'vitest';

import { checkedFeedOptions } from '@/lib/store/feed/change-feed';
import { assertConsumerName } from '@/lib/store/feed/consumer-name';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
  return null;
};

describe('consumer names', () => {
  it.each(['fault-quarantine', 'node-drainer', 'a', '0', 'x.y_z-1', `a${'b'.repeat(99)}`])('accepts %j', (name) => {
    expect(refusal(() => assertConsumerName(name))).toBeNull();
  });

  it.each([
    ['', '""'],
    ['Fault-Quarantine', '"Fault-Quarantine"'],
    ['-drainer', '"-drainer"'],
    ['.hidden', '".hidden"'],
    ['node drainer', '"node drainer"'],
    ['node/drainer', '"node/drainer"'],
    [`a${'b'.repeat(100)}`, JSON.stringify(`a${'b'.repeat(100)}`).slice(0, 60)],
    ['drainer\n', '"drainer\\n"'],
    [42, '42'],
    [undefined, 'undefined'],
  ])('refuses %j, quoting it (at most 60 characters)', (name, shown) => {
    expect(refusal(() => assertConsumerName(name))).toEqual({
      code: 'invalid',
      message: `consumer: must be 1-100 lowercase letters, digits, dots, dashes or underscores, starting with a letter or digit (got ${shown})`,
    });
  });
});

describe('feed options', () => {
  it('defaults to both collections and batches of 500', () => {
    expect(checkedFeedOptions({})).toEqual({ collections: ['healthEvents', 'maintenanceEvents'], batchSize: 500 });
  });

  it('keeps the collections and batch size asked for, 1 to 10,000', () => {
    expect(checkedFeedOptions({ collections: ['maintenanceEvents'], batchSize: 1 })).toEqual({
      collections: ['maintenanceEvents'],
      batchSize: 1,
    });
    expect(checkedFeedOptions({ collections: [], batchSize: 10_000 })).toEqual({ collections: [], batchSize: 10_000 });
  });

  it('refuses a collection it does not know, naming the ones there are', () => {
    expect(refusal(() => checkedFeedOptions({ collections: ['healthEvents', 'users' as never] }))).toEqual({
      code: 'invalid',
      message: 'collections: unknown collection "users" (healthEvents, maintenanceEvents)',
    });
  });

  it.each([0, 10_001, 1.5, -1, Number.NaN])('refuses batchSize %s', (batchSize) => {
    expect(refusal(() => checkedFeedOptions({ batchSize }))).toEqual({
      code: 'invalid',
      message: 'batchSize: must be a whole number from 1 to 10000',
    });
  });
});
