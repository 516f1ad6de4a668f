// Simulator options: nonsense is refused with a line naming the option.
import { describe, expect, it } from 'vitest';

import { parseSimulatorArgs, simulatorFromEnv } from '@/lib/simulator/simulator-options';

describe('simulator options', () => {
  it('reads the command line', () => {
    expect(
      parseSimulatorArgs([
        '--nodes',
        '1000',
        '--rate',
        '200',
        '--duration',
        '10m',
        '--seed',
        '9',
        '--no-pipeline',
        '--failure-rate',
        '0.2',
      ]),
    ).toMatchObject({
      nodes: 1000,
      rate: 200,
      durationMs: 600_000,
      seed: 9,
      pipeline: false,
      settings: { drainFailureRate: 0.2, remediationFailureRate: 0.2 },
    });
  });

  it('refuses nonsense, naming the option', () => {
    expect(() => parseSimulatorArgs(['--nodes', '0'])).toThrow(
      '--nodes must be a whole number from 1 to 100000 (got "0")',
    );
    expect(() => parseSimulatorArgs(['--rate', '-5'])).toThrow('--rate must be a number from 0 to 100000 (got "-5")');
    expect(() => parseSimulatorArgs(['--duration', 'forever'])).toThrow(
      '--duration must look like 90s, 10m or 2h (got "forever")',
    );
    expect(() => parseSimulatorArgs(['--nodes'])).toThrow('--nodes needs a value');
    expect(() => parseSimulatorArgs(['--provider', 'oracle'])).toThrow('unknown option "--provider"');
  });

  it('runs with npm start on the embedded database only, unless told otherwise', () => {
    expect(simulatorFromEnv({}, true)).toMatchObject({ nodes: 48, rate: 20, seed: 1 });
    expect(simulatorFromEnv({}, false)).toBeUndefined();
    expect(simulatorFromEnv({ SIMULATOR: 'on', SIMULATOR_NODES: '500' }, false)).toMatchObject({ nodes: 500 });
    expect(() => simulatorFromEnv({ SIMULATOR: 'maybe' }, true)).toThrow('SIMULATOR must be on or off (got "maybe")');
    expect(() => simulatorFromEnv({ SIMULATOR_RATE: 'fast' }, true)).toThrow(
      'SIMULATOR_RATE must be a number from 0 to 100000 (got "fast")',
    );
  });
});
