'use client';
// The zone every time on the page is shown in (lib/format/display-zone.ts), and the switch's choice.
// The server renders in the zone its cookies name and hands that here, so the browser's first render
// (hydration) writes the same text; after it, the browser's own reading takes over, which differs only
// on a browser's very first page or after its clock's zone changed.
import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';

import {
  cookieValue,
  TIMES_COOKIE,
  TIMES_COOKIE_MAX_AGE,
  timesChoiceOf,
  type TimesChoice,
} from '@/lib/format/display-zone';
import { UTC } from '@/lib/format/time';

interface ServerReading {
  /** The zone the server rendered in; null when it could not know the browser's. */
  zone: string | null;
  choice: TimesChoice;
}

const ServerZone = createContext<ServerReading>({ zone: null, choice: 'local' });

export function DisplayZoneProvider({ zone, choice, children }: ServerReading & { children: ReactNode }) {
  return <ServerZone.Provider value={{ zone, choice }}>{children}</ServerZone.Provider>;
}

const listeners = new Set<() => void>();
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

let choice: TimesChoice | null = null;
const currentChoice = (): TimesChoice => (choice ??= timesChoiceOf(cookieValue(document.cookie, TIMES_COOKIE)));

function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || UTC;
  } catch {
    return UTC;
  }
}

const currentZone = () => (currentChoice() === 'utc' ? UTC : browserZone());

/** The zone to show times in: UTC or the viewer's IANA zone. */
export function useDisplayZone(): string {
  const server = useContext(ServerZone);
  return useSyncExternalStore(subscribe, currentZone, () => server.zone ?? UTC);
}

/** Whether the viewer chose UTC or their own zone. */
export function useTimesChoice(): TimesChoice {
  const server = useContext(ServerZone);
  return useSyncExternalStore(subscribe, currentChoice, () => server.choice);
}

/** Shows every time in `next` from now on, in this tab at once and in this browser from its next page. */
export function chooseTimes(next: TimesChoice): void {
  document.cookie = `${TIMES_COOKIE}=${next};path=/;max-age=${TIMES_COOKIE_MAX_AGE};samesite=lax`;
  choice = next;
  for (const notify of listeners) notify();
}
