import { z } from 'zod';

/** How the simulated pipeline behaves: slowness and failure rates, to make lag and stalls on demand. */
export interface PipelineSettings {
  /** How long a node drain takes. */
  drainMs: number;
  /** Share of drains that fail (eviction status Failed). */
  drainFailureRate: number;
  /** How long a remediation takes. */
  remediationMs: number;
  /** Share of remediations that fail (faultremediated false). */
  remediationFailureRate: number;
  /** Extra time every handler takes per change (slows a consumer down). */
  handlerDelayMs: number;
  /** fault-quarantine fails on injected poison events (they end in dead letters) while true. */
  failPoison: boolean;
}

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = {
  drainMs: 300,
  drainFailureRate: 0.05,
  remediationMs: 300,
  remediationFailureRate: 0.05,
  handlerDelayMs: 0,
  failPoison: true,
};

export const sleep = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

const ms = (max: number) =>
  z
    .number()
    .int('must be a whole number of milliseconds')
    .min(0, 'must not be negative')
    .max(max, `must be at most ${max} ms`);
const share = z.number().min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1');

/** A change to some settings, as the control endpoint accepts it; unknown keys are refused. */
export const pipelineSettingsPatch = z
  .object({
    drainMs: ms(600_000),
    drainFailureRate: share,
    remediationMs: ms(600_000),
    remediationFailureRate: share,
    handlerDelayMs: ms(60_000),
    failPoison: z.boolean(),
  })
  .partial()
  .strict();
