// Which zone the console shows times in: the viewer's own, or UTC when they chose it. Remembered per
// browser in two cookies, so the server renders a page in the same zone the browser will (nothing
// changes on hydration): the choice, and the browser's own zone, which the root layout's inline
// script writes on every page load (a laptop that travelled is read again at once).
import { isTimeZone, UTC } from './time';

export const TIMES_COOKIE = 'sentinel-times';
export const LOCAL_ZONE_COOKIE = 'sentinel-local-zone';
export const TIMES_CHOICES = ['local', 'utc'] as const;
export type TimesChoice = (typeof TIMES_CHOICES)[number];
/** A year: the choice outlives a session. */
export const TIMES_COOKIE_MAX_AGE = 365 * 24 * 3600;

export const timesChoiceOf = (value: string | null | undefined): TimesChoice => (value === 'utc' ? 'utc' : 'local');

/**
 * The zone to show times in, from the two cookies' values: UTC when chosen; else the browser's zone
 * when the cookie names a real one; else null (not known yet: the very first page a browser loads).
 */
export function displayZoneOf(times: string | null | undefined, localZone: string | null | undefined): string | null {
  if (timesChoiceOf(times) === 'utc') return UTC;
  return localZone && isTimeZone(localZone) ? localZone : null;
}

/** The inline script that writes the browser's zone before the page's own scripts run. */
export const LOCAL_ZONE_SCRIPT = `try{document.cookie='${LOCAL_ZONE_COOKIE}='+encodeURIComponent(Intl.DateTimeFormat().resolvedOptions().timeZone)+';path=/;max-age=${TIMES_COOKIE_MAX_AGE};samesite=lax'}catch(e){}`;

/** A cookie's value in a `document.cookie` string, or null. */
export function cookieValue(cookies: string, name: string): string | null {
  for (const pair of cookies.split(';')) {
    const at = pair.indexOf('=');
    if (at < 0 || pair.slice(0, at).trim() !== name) continue;
    try {
      return decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}
