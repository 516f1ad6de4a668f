// Provider-neutral pieces of the dashboard on any datastore: the feed storage (PostgreSQL's
// changelog, MongoDB's oplog window) as the SDK reports it and the pages show it, the pre-image
// check behind capabilities.beforeImages, which provider the environment asks for and where it is.
import { Timestamp } from 'mongodb';
import { describe, expect, it } from 'vitest';

import {
  feedStorageFacts,
  feedStorageUnavailable,
  formatBytes,
  toFeedStorageView,
} from '@/lib/queries/feed-storage-view';
import { datastoreProviderFromEnv, describeDataStoreTarget, type FeedStorageStats } from '@/lib/store';
import { oplogWindow } from '@/lib/store/providers/mongodb/feed/oplog-window';
import { preImagesEnabledOn } from '@/lib/store/providers/mongodb/mongo-topology';

const at = (seconds: number) => new Timestamp({ t: seconds, i: 1 });

describe('the oplog window (MongoDB feed storage)', () => {
  it('is oldest to newest entry, with count, size and cap, like db.getReplicationInfo()', () => {
    const window = oplogWindow({
      oldest: at(1_763_700_000),
      newest: at(1_763_786_400),
      entries: 52_000,
      sizeBytes: 48 * 1024 ** 2,
      maxSizeBytes: 990 * 1024 ** 2,
    });
    expect(window).toEqual({
      kind: 'oplog',
      label: 'Oplog window',
      readable: true,
      entries: 52_000,
      oldestAt: new Date(1_763_700_000_000),
      newestAt: new Date(1_763_786_400_000),
      windowSeconds: 86_400,
      sizeBytes: 48 * 1024 ** 2,
      maxSizeBytes: 990 * 1024 ** 2,
    });
  });

  it('is unreadable, not zero, when the user may not read local.oplog.rs', () => {
    for (const reading of [null, { oldest: null, newest: null, entries: null, sizeBytes: null, maxSizeBytes: null }]) {
      expect(oplogWindow(reading)).toMatchObject({
        kind: 'oplog',
        readable: false,
        windowSeconds: null,
        entries: null,
        oldestAt: null,
      });
    }
  });

  it('leaves out figures the server did not give', () => {
    expect(
      oplogWindow({ oldest: at(100), newest: null, entries: null, sizeBytes: Number.NaN, maxSizeBytes: -1 }),
    ).toMatchObject({
      readable: true,
      oldestAt: new Date(100_000),
      newestAt: null,
      windowSeconds: null,
      sizeBytes: null,
      maxSizeBytes: null,
    });
  });
});

describe('pre-images on the watched collections (capabilities.beforeImages)', () => {
  const on = { changeStreamPreAndPostImages: { enabled: true } };
  it('needs them on both collections; a missing collection has none', () => {
    expect(
      preImagesEnabledOn(
        [
          { name: 'HealthEvents', options: on },
          { name: 'MaintenanceEvents', options: on },
        ],
        ['HealthEvents', 'MaintenanceEvents'],
      ),
    ).toBe(true);
    expect(
      preImagesEnabledOn(
        [
          { name: 'HealthEvents', options: on },
          { name: 'MaintenanceEvents', options: {} },
        ],
        ['HealthEvents', 'MaintenanceEvents'],
      ),
    ).toBe(false);
    expect(preImagesEnabledOn([{ name: 'HealthEvents', options: on }], ['HealthEvents', 'MaintenanceEvents'])).toBe(
      false,
    );
    expect(
      preImagesEnabledOn(
        [
          { name: 'HealthEvents', options: { changeStreamPreAndPostImages: { enabled: false } } },
          { name: 'MaintenanceEvents', options: on },
        ],
        ['HealthEvents', 'MaintenanceEvents'],
      ),
    ).toBe(false);
  });
});

describe('feed storage as the pages show it', () => {
  const changelog: FeedStorageStats = {
    kind: 'changelog',
    label: 'Changelog',
    rows: 12_345,
    oldestAt: new Date(1_000),
    holdBackSeconds: 0,
    heldBackRows: 0,
  };
  const oplog: FeedStorageStats = oplogWindow({
    oldest: at(1_000),
    newest: at(1_000 + 5_400),
    entries: 900,
    sizeBytes: 1536,
    maxSizeBytes: 5 * 1024 ** 3,
  });

  it('is plain JSON with times as milliseconds', () => {
    expect(toFeedStorageView(changelog)).toEqual({
      kind: 'changelog',
      label: 'Changelog',
      rows: 12_345,
      oldestAt: 1_000,
      holdBackSeconds: 0,
      heldBackRows: 0,
    });
    const view = toFeedStorageView(oplog);
    expect(view).toMatchObject({ kind: 'oplog', oldestAt: 1_000_000, newestAt: 6_400_000, windowSeconds: 5_400 });
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
  });

  it('labels the changelog and the oplog window each in their own terms', () => {
    expect(feedStorageFacts(toFeedStorageView(changelog)).map((fact) => [fact.label, fact.text ?? fact.at])).toEqual([
      ['Rows (estimate)', (12_345).toLocaleString()],
      ['Oldest row', 1_000],
      ['Horizon held back by', 'nothing'],
      ['Rows above the horizon', '0'],
    ]);
    expect(feedStorageFacts(toFeedStorageView(oplog)).map((fact) => [fact.label, fact.text ?? fact.at])).toEqual([
      ['Window', '1 h 30 min'],
      ['Oldest entry', 1_000_000],
      ['Newest entry', 6_400_000],
      ['Entries (estimate)', '900'],
      ['Size', '1.5 KB of 5.0 GB'],
    ]);
    expect(feedStorageUnavailable(toFeedStorageView(oplog))).toBeNull();
  });

  it('says why an unreadable oplog window has no figures', () => {
    const unreadable = toFeedStorageView(oplogWindow(null));
    expect(feedStorageFacts(unreadable)).toEqual([]);
    expect(feedStorageUnavailable(unreadable)).toMatch(/may not read local\.oplog\.rs \(grant clusterMonitor/);
  });

  it('formats bytes', () => {
    expect([formatBytes(null), formatBytes(512), formatBytes(2048), formatBytes(123 * 1024 ** 2)]).toEqual([
      'unknown',
      '512 B',
      '2.0 KB',
      '123 MB',
    ]);
  });
});

describe('which datastore, and where', () => {
  it('follows DATASTORE_PROVIDER, else MongoDB when MONGODB_URI is set without DATABASE_URL', () => {
    expect(datastoreProviderFromEnv({})).toBe('postgresql');
    expect(datastoreProviderFromEnv({ MONGODB_URI: 'mongodb://m' })).toBe('mongodb');
    expect(datastoreProviderFromEnv({ MONGODB_URI: 'mongodb://m', DATABASE_URL: 'postgresql://h/db' })).toBe(
      'postgresql',
    );
    expect(datastoreProviderFromEnv({ DATASTORE_PROVIDER: 'mongo', DATABASE_URL: 'postgresql://h/db' })).toBe(
      'mongodb',
    );
    expect(() => datastoreProviderFromEnv({ DATASTORE_PROVIDER: 'redis' })).toThrow(
      'DATASTORE_PROVIDER must be postgresql or mongodb (got "redis")',
    );
    // Names Object.prototype carries are refused like any other unknown provider.
    for (const name of ['constructor', '__proto__', 'toString']) {
      expect(() => datastoreProviderFromEnv({ DATASTORE_PROVIDER: name })).toThrow(
        `DATASTORE_PROVIDER must be postgresql or mongodb (got "${name}")`,
      );
    }
  });

  it('describes either provider without credentials', () => {
    expect(
      describeDataStoreTarget({
        provider: 'postgresql',
        connectionString: 'postgresql://u:secret@db.example:5433/nvsentinel',
      }),
    ).toBe('db.example:5433/nvsentinel');
    expect(
      describeDataStoreTarget({
        provider: 'mongodb',
        uri: 'mongodb://reader:secret@mongo-0:27017,mongo-1:27017/?replicaSet=rs0',
        databaseName: 'HealthEventsDatabase',
        healthEventsCollection: 'HealthEvents',
        maintenanceEventsCollection: 'MaintenanceEvents',
        tokensCollection: 'ResumeTokens',
      }),
    ).toBe('mongo-0:27017,mongo-1:27017/HealthEventsDatabase');
  });
});
