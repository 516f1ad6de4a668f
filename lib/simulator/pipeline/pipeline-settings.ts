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
}

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = {
  drainMs: 300,
  drainFailureRate: 0.05,
  remediationMs: 300,
  remediationFailureRate: 0.05,
  handlerDelayMs: 0,
};

export const sleep = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());
