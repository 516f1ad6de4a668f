'use client';
// A clock shared by every relative time on the page: one timer. During server rendering (and the
// browser's hydration of it) it is the moment a page handed down with ServerNow (the time of its
// read), so ages are written in the first paint and hydrate to the same text; without one it is null
// and the first client render fills it in.
import { createContext, createElement, useContext, useSyncExternalStore, type ReactNode } from 'react';

const ServerMoment = createContext<number | null>(null);

/** The time (ms) the server rendered `children` at: their relative times are written in the HTML. */
export function ServerNow({ at, children }: { at: number; children: ReactNode }) {
  return createElement(ServerMoment.Provider, { value: at }, children);
}

let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void) {
  listeners.add(listener);
  // A page opened long after the last tick starts from the time now, not from then.
  if (timer === undefined) now = Date.now();
  timer ??= setInterval(() => {
    now = Date.now();
    for (const notify of listeners) notify();
  }, 1_000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

export function useNow(): number | null {
  const serverMoment = useContext(ServerMoment);
  return useSyncExternalStore(
    subscribe,
    () => now,
    () => serverMoment,
  );
}
