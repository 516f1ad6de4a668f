// The backfill's rows: generated events completed exactly as the validator completes them, and
// COPY text that reads back to the right columns and NVSentinel's document.
import { describe, expect, it } from 'vitest';

import { completeGeneratedEvent, HistoryRows } from '@/lib/simulator/backfill';
import { HISTORY_COLUMNS as BACKFILL_COLUMNS, historyCopyText } from '@/lib/store/postgres';
import { EventGenerator } from '@/lib/simulator/event-generator';
import { toHealthEventWithStatus, type NewHealthEvent } from '@/lib/store/model/new-health-event';

const start = new Date('2026-11-01T00:00:00Z').getTime();

/** COPY text format back to fields (null for \N). */
function parseCopy(text: string): (string | null)[][] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) =>
      line
        .split('\t')
        .map((field) =>
          field === '\\N' ? null : field.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c),
        ),
    );
}

describe('backfill rows', () => {
  it('completes generated events exactly as toHealthEventWithStatus does', () => {
    for (const seed of [1, 2, 3]) {
      const generator = new EventGenerator({ seed, nodes: 300 });
      for (const input of generator.batch(5_000, new Date(start), 1_000)) {
        expect(completeGeneratedEvent(input)).toEqual(toHealthEventWithStatus(input));
      }
    }
    const full: NewHealthEvent = {
      nodeName: 'n',
      agent: 'a',
      checkName: 'c',
      componentClass: 'NIC',
      version: 2,
      isFatal: true,
      isHealthy: false,
      message: 'm',
      recommendedAction: 'CUSTOM',
      errorCode: ['1'],
      entitiesImpacted: [{ entityType: 'NIC', entityValue: 'mlx5_0' }],
      metadata: { k: 'v' },
      generatedTimestamp: { seconds: 5, nanos: 6 },
      quarantineOverrides: { force: true },
      drainOverrides: { skip: true },
      processingStrategy: 'STORE_ONLY',
      id: 'x',
      customRecommendedAction: 'reboot',
      createdAt: new Date(start),
    };
    expect(completeGeneratedEvent(full)).toEqual(toHealthEventWithStatus(full));
  });

  it('writes one COPY line per event with the columns matching the document, fatal events processed', () => {
    const rows = parseCopy(historyCopyText(new HistoryRows({ seed: 7, nodes: 100 }, start, 60_000).next(3_000)));
    expect(rows).toHaveLength(3_000);
    let fatal = 0;
    for (const row of rows) {
      expect(row).toHaveLength(BACKFILL_COLUMNS.length);
      const field = (name: (typeof BACKFILL_COLUMNS)[number]) => row[BACKFILL_COLUMNS.indexOf(name)];
      const document = JSON.parse(field('document')!);
      expect(field('id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(field('node_name')).toBe(document.healthevent.nodeName);
      expect(field('event_type')).toBe(document.healthevent.checkName);
      expect(field('node_quarantined')).toBe(document.healtheventstatus.nodequarantined);
      expect(field('created_at')).toBe(field('updated_at'));
      expect(new Date(field('created_at')!).getTime()).toBe(new Date(document.createdAt).getTime());
      expect(document.healthevent.metadata['sentinel-console-simulator']).toBe('true');
      if (document.healthevent.isFatal && !document.healthevent.isHealthy) {
        fatal += 1;
        expect(['Quarantined', 'AlreadyQuarantined']).toContain(field('node_quarantined'));
        expect(['Succeeded', 'AlreadyDrained']).toContain(field('user_pods_eviction_status'));
      }
    }
    expect(fatal).toBeGreaterThan(0);
  });
});
