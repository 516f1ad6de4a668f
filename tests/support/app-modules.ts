// The app's route handlers and process-wide singletons (datastore, live hub) and the server's app
// context over them, loaded after a test has set DATABASE_URL, which they read on first use.
export async function loadApp() {
  const modules = {
    metrics: await import('@/app/metrics/route'),
    ready: await import('@/app/api/ready/route'),
    health: await import('@/app/api/health/route'),
    pipeline: await import('@/lib/queries/pipeline'),
    datastore: await import('@/lib/server/datastore'),
    liveHub: await import('@/lib/server/live-hub'),
    appContext: await import('@/lib/server/app-context'),
  };
  return {
    ...modules,
    /** The server's app context: what its pages and routes hand to read models. */
    context: modules.appContext.appContext(),
    /** Stops the live hub (if it started) and closes the datastore. */
    async stop(): Promise<void> {
      await (await modules.liveHub.getLiveHub().catch(() => null))?.stop();
      await (await modules.datastore.getDataStore()).close();
    },
  };
}

export type App = Awaited<ReturnType<typeof loadApp>>;
