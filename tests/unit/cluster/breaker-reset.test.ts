// Which Deployment the breaker's reset restarts: NVSentinel's chart names it fault-quarantine
// (charts/fault-quarantine/templates/_helpers.tpl:11-13); NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT
// names another, and a value that cannot be a Deployment's name is refused, naming the variable.
import { describe, expect, it } from 'vitest';

import { faultQuarantineDeploymentFromEnv } from '@/lib/cluster/breaker-reset';

describe('the fault-quarantine Deployment', () => {
  it("is the chart's unless the variable names another", () => {
    expect(faultQuarantineDeploymentFromEnv({})).toBe('fault-quarantine');
    expect(faultQuarantineDeploymentFromEnv({ NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT: '  ' })).toBe('fault-quarantine');
    expect(faultQuarantineDeploymentFromEnv({ NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT: 'nvs-fault-quarantine' })).toBe(
      'nvs-fault-quarantine',
    );
  });

  it.each(['Fault-Quarantine', 'fault_quarantine', 'fault-quarantine-', 'a'.repeat(64), 'ns/fault-quarantine'])(
    'refuses %s',
    (value) => {
      expect(() => faultQuarantineDeploymentFromEnv({ NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT: value })).toThrow(
        `NVSENTINEL_FAULT_QUARANTINE_DEPLOYMENT must be a Deployment name (lowercase letters, digits and "-", at most 63) (got "${value}")`,
      );
    },
  );
});
