'use client';
// One EventSource per tab for every panel on the page. Panels subscribe with the topics (and,
// for the Nodes page, the filter) they need; the provider joins them into one /api/live URL and
// reconnects when that changes. EventSource itself reconnects with Last-Event-ID after a drop;
// when the browser gives up (the server answered with an error), the provider retries with backoff.
import { useRouter } from 'next/navigation';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

import type { LiveMessageMap, LiveMessageType, LiveStatusMessage, ProjectionStatus } from '@/lib/live/live-messages';

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

type Handler = <T extends LiveMessageType>(type: T, data: LiveMessageMap[T]) => void;

interface Subscription {
  topics: string[];
  /** Node filter as a URL search string (only one subscriber may set it: the Nodes page). */
  filter?: string;
  handler: Handler;
}

interface LiveContextValue {
  status: ConnectionStatus;
  feed: LiveStatusMessage['feed'] | null;
  /** The kept node projection's build (null: none kept, or not told yet). */
  projection: ProjectionStatus | null;
  subscribe(subscription: Subscription): () => void;
}

const LiveContext = createContext<LiveContextValue | null>(null);
// Every type the hub sends, as a record so the type check fails when one is missing: an EventSource
// delivers a named event only to a listener of that name.
const EVERY_MESSAGE_TYPE: Record<LiveMessageType, true> = {
  nodes: true,
  'node-event': true,
  pipeline: true,
  throughput: true,
  status: true,
  reset: true,
  heartbeat: true,
  cluster: true,
};
const MESSAGE_TYPES = Object.keys(EVERY_MESSAGE_TYPE) as LiveMessageType[];

export function LiveProvider({ children }: { children: ReactNode }) {
  const router = useRouter();
  const [status, setStatus] = useState<ConnectionStatus>('connecting');
  const [feed, setFeed] = useState<LiveStatusMessage['feed'] | null>(null);
  const [projection, setProjection] = useState<ProjectionStatus | null>(null);
  const subscriptions = useRef(new Set<Subscription>());
  const [url, setUrl] = useState<string | null>(null);

  const recomputeUrl = useCallback(() => {
    const topics = new Set<string>();
    let filter = '';
    for (const subscription of subscriptions.current) {
      for (const topic of subscription.topics) topics.add(topic);
      if (subscription.filter) filter = subscription.filter;
    }
    // A page without live panels still keeps a (cheap) stream, so the header tells whether the
    // stream and the datastore behind it are up on every page.
    if (topics.size === 0) topics.add('pipeline');
    const params = new URLSearchParams(filter);
    params.set('topics', [...topics].sort().join(','));
    setUrl(`/api/live?${params.toString()}`);
  }, []);

  // A page without live panels (Overview, Audit) subscribes nothing, so nothing computed the URL and
  // the header said "Connecting" for ever: compute it once after mounting (a page with panels has
  // subscribed by then and gets its own topics).
  useEffect(() => {
    const timer = setTimeout(recomputeUrl, 0);
    return () => clearTimeout(timer);
  }, [recomputeUrl]);

  const subscribe = useCallback(
    (subscription: Subscription) => {
      subscriptions.current.add(subscription);
      recomputeUrl();
      return () => {
        subscriptions.current.delete(subscription);
        recomputeUrl();
      };
    },
    [recomputeUrl],
  );

  useEffect(() => {
    if (!url) return;
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let closed = false;
    const open = () => {
      source = new EventSource(url);
      setStatus(attempt === 0 ? 'connecting' : 'reconnecting');
      source.onopen = () => {
        attempt = 0;
        setStatus('live');
      };
      source.onerror = () => {
        if (closed || !source) return;
        if (source.readyState === EventSource.CONNECTING) {
          setStatus('reconnecting');
          return;
        }
        // The browser gave up (an error status): signed out meanwhile? Then to the sign-in page.
        // Otherwise retry ourselves, backing off to 10 s.
        source.close();
        void fetch('/api/auth/get-session', { cache: 'no-store' })
          .then((response) => (response.ok ? response.json() : undefined))
          .then((session: unknown) => {
            if (session === null && !closed)
              router.replace(`/sign-in?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
          })
          .catch(() => {});
        attempt += 1;
        setStatus(attempt > 3 ? 'offline' : 'reconnecting');
        retryTimer = setTimeout(open, Math.min(10_000, 500 * 2 ** attempt));
      };
      for (const type of MESSAGE_TYPES) {
        source.addEventListener(type, (event) => {
          const data = JSON.parse((event as MessageEvent<string>).data);
          if (type === 'status') {
            setFeed((data as LiveStatusMessage).feed);
            setProjection((data as LiveStatusMessage).projection ?? null);
          }
          for (const subscription of subscriptions.current) subscription.handler(type, data);
        });
      }
    };
    open();
    const onOffline = () => setStatus('offline');
    window.addEventListener('offline', onOffline);
    return () => {
      closed = true;
      clearTimeout(retryTimer);
      source?.close();
      window.removeEventListener('offline', onOffline);
    };
  }, [url, router]);

  const value = useMemo(() => ({ status, feed, projection, subscribe }), [status, feed, projection, subscribe]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLiveStatus(): Pick<LiveContextValue, 'status' | 'feed' | 'projection'> {
  const context = useContext(LiveContext);
  return { status: context?.status ?? 'offline', feed: context?.feed ?? null, projection: context?.projection ?? null };
}

/** Receives the live messages of the given topics while the component is mounted. */
export function useLiveSubscription(topics: string[], handler: Handler, filter?: string): void {
  const context = useContext(LiveContext);
  const handlerRef = useRef(handler);
  useEffect(() => {
    handlerRef.current = handler;
  });
  const key = topics.join(',');
  useEffect(() => {
    if (!context) return;
    return context.subscribe({
      topics: key.split(','),
      filter,
      handler: (type, data) => handlerRef.current(type, data),
    });
  }, [context, key, filter]);
}
