// The server's boot (instrumentation.ts register(), which Next.js calls once per server process)
// starts the cluster state, and with it the put-back of ended opt-outs, and the alert engine;
// `next build` and the edge runtime do not; a setting that cannot work is said, not thrown at Next.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const cluster = vi.hoisted(() => ({ getClusterState: vi.fn() }));
vi.mock('@/lib/server/cluster', () => cluster);
const alerts = vi.hoisted(() => ({ startAlerts: vi.fn() }));
vi.mock('@/lib/server/alerts', () => alerts);

const { register } = await import('@/instrumentation');

describe('the server boot', () => {
  beforeEach(() => {
    vi.stubEnv('NEXT_RUNTIME', 'nodejs');
    vi.stubEnv('NEXT_PHASE', 'phase-production-server');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    cluster.getClusterState.mockReset();
    alerts.startAlerts.mockReset();
  });

  it('starts the cluster state and the alert engine in a Node.js server', async () => {
    await register();
    expect(cluster.getClusterState).toHaveBeenCalledTimes(1);
    expect(alerts.startAlerts).toHaveBeenCalledTimes(1);
  });

  it('starts nothing during next build, nor in the edge runtime', async () => {
    vi.stubEnv('NEXT_PHASE', 'phase-production-build');
    await register();
    vi.stubEnv('NEXT_PHASE', 'phase-production-server');
    vi.stubEnv('NEXT_RUNTIME', 'edge');
    await register();
    expect(cluster.getClusterState).not.toHaveBeenCalled();
    expect(alerts.startAlerts).not.toHaveBeenCalled();
  });

  it('says what is wrong with an alert setting, and lets the server serve', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    alerts.startAlerts.mockImplementation(() => {
      throw new Error('ALERT_WEBHOOK_ATTEMPTS must be a whole number from 1 to 20 (got "0")');
    });
    try {
      await expect(register()).resolves.toBeUndefined();
      expect(log).toHaveBeenCalledWith(
        '[alerts] not started at boot: ALERT_WEBHOOK_ATTEMPTS must be a whole number from 1 to 20 (got "0")',
      );
    } finally {
      log.mockRestore();
    }
  });

  it('says what is wrong with a cluster setting, and lets the server serve', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    cluster.getClusterState.mockImplementation(() => {
      throw new Error('NVSENTINEL_NAMESPACE must be a namespace name (got "NVSentinel")');
    });
    try {
      await expect(register()).resolves.toBeUndefined();
      expect(log).toHaveBeenCalledWith(
        '[cluster] not started at boot: NVSENTINEL_NAMESPACE must be a namespace name (got "NVSentinel")',
      );
    } finally {
      log.mockRestore();
    }
  });
});
