// A manual quarantine's creator_id must let fault-quarantine write its cordon-by label:
// `<agent>-<creator_id>` (fault-quarantine/pkg/reconciler/reconciler.go:804-805) has to be a valid
// Kubernetes label value, or the API server refuses the cordon.
import { describe, expect, it } from 'vitest';

import { isLabelValue, labelSafeCreatorId } from '@/lib/actions/creator-id';
import { MANUAL_QUARANTINE_AGENT } from '@/lib/actions/node-action-input';

const cordonBy = (identity: string) =>
  `${MANUAL_QUARANTINE_AGENT}-${labelSafeCreatorId(identity, MANUAL_QUARANTINE_AGENT)}`;

describe('the creator_id of a manual quarantine', () => {
  it('keeps a local account name that already fits the label as it is', () => {
    expect(labelSafeCreatorId('admin', MANUAL_QUARANTINE_AGENT)).toBe('admin');
    expect(labelSafeCreatorId('ops_team.2', MANUAL_QUARANTINE_AGENT)).toBe('ops_team.2');
  });

  it('turns an e-mail into its local part plus a short hash, the same every time', () => {
    const id = labelSafeCreatorId('alice@example.com', MANUAL_QUARANTINE_AGENT);
    expect(id).toMatch(/^alice-[0-9a-f]{8}$/);
    expect(labelSafeCreatorId('alice@example.com', MANUAL_QUARANTINE_AGENT)).toBe(id);
    // Two people with the same local part stay apart.
    expect(labelSafeCreatorId('alice@other.example', MANUAL_QUARANTINE_AGENT)).not.toBe(id);
    expect(cordonBy('alice@example.com')).toBe(`sentinel-console-${id}`);
  });

  it('makes a valid label value of long names, unicode, symbols and nothing at all', () => {
    const identities = [
      'alice@example.com',
      'first.last+gpu-oncall@corp.example.com',
      `${'a'.repeat(80)}@example.com`,
      'a'.repeat(200),
      'jürgen.müller@beispiel.de',
      'Zoë Ångström',
      '李雷@例子.中国',
      '🙂@example.com',
      '-._@example.com',
      '.leading.and.trailing.',
      '',
    ];
    for (const identity of identities) {
      const label = cordonBy(identity);
      expect(isLabelValue(label), `${identity} -> ${label}`).toBe(true);
      expect(label.length).toBeLessThanOrEqual(63);
    }
    expect(labelSafeCreatorId('jürgen.müller@beispiel.de', MANUAL_QUARANTINE_AGENT)).toMatch(
      /^jurgen\.muller-[0-9a-f]{8}$/,
    );
    expect(labelSafeCreatorId('李雷@例子.中国', MANUAL_QUARANTINE_AGENT)).toMatch(/^[0-9a-f]{8}$/);
  });

  it('tells valid label values from invalid ones as Kubernetes does', () => {
    expect(isLabelValue('sentinel-console-alice')).toBe(true);
    expect(isLabelValue('sentinel-console-alice@example.com')).toBe(false);
    expect(isLabelValue('x'.repeat(64))).toBe(false);
    expect(isLabelValue('ends-with-')).toBe(false);
  });
});
