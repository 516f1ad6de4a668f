// The app's route handlers and process-wide singletons (datastore, live hub), loaded after a
// test has set DATABASE_URL, which they read on first use. Their modules are server-only: a test
// file that loads them mocks that guard (`vi.mock('server-only', () => ({}))`).
export async function loadApp() {
  const modules = {
    metrics: await import('@/app/metrics/route'),
    ready: await import('@/app/api/ready/route'),
    health: await import('@/app/api/health/route'),
    pipeline: await import('@/lib/queries/pipeline'),
    datastore: await import('@/lib/server/datastore'),
    liveHub: await import('@/lib/server/live-hub'),
  };
  return {
    ...modules,
    /** Stops the live hub (if it started) and closes the datastore. */
    async stop(): Promise<void> {
      await (await modules.liveHub.getLiveHub().catch(() => null))?.stop();
      await (await modules.datastore.getDataStore()).close();
    },
  };
}

export type App = Awaited<ReturnType<typeof loadApp>>;
