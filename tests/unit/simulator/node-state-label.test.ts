// The state manager's transition check, as NVSentinel words it (commons/pkg/statemanager/statemanager.go:389-448
// @ 42672ae): an unexpected transition is still written, and the message is what its caller logs.
import { describe, expect, it } from 'vitest';

import { unexpectedTransition } from '@/lib/simulator/pipeline/node-state-label';

describe('the state manager transition check', () => {
  it('expects the pipeline order, and re-remediation from either remediation outcome', () => {
    expect(unexpectedTransition('quarantined', 'draining')).toBeNull();
    expect(unexpectedTransition('quarantined', 'drain-succeeded')).toBeNull();
    expect(unexpectedTransition('draining', 'drain-failed')).toBeNull();
    expect(unexpectedTransition('drain-succeeded', 'remediating')).toBeNull();
    expect(unexpectedTransition('remediating', 'remediation-failed')).toBeNull();
    expect(unexpectedTransition('remediation-succeeded', 'remediating')).toBeNull();
    expect(unexpectedTransition('remediation-failed', 'remediation-succeeded')).toBeNull();
  });

  it('names what it did not expect, in NVSentinel words', () => {
    expect(unexpectedTransition(undefined, 'draining')).toBe(
      'unexpected state transition: none -> draining (expected first state: quarantined)',
    );
    expect(unexpectedTransition('drain-failed', 'remediating')).toBe(
      'unexpected state transition: drain-failed -> remediating (expected one of: [])',
    );
    expect(unexpectedTransition('quarantined', 'remediating')).toBe(
      'unexpected state transition: quarantined -> remediating (expected one of: [draining drain-succeeded])',
    );
    expect(unexpectedTransition('rebooting', 'remediating')).toBe(
      'unexpected state transition: unknown current state rebooting -> remediating',
    );
  });
});
