// The severity's colour, the same in the event table and the node page (fatal red, healthy green,
// unhealthy amber), with the dark theme's lighter shades for contrast.
import type { EventSeverity } from '@/lib/queries/events-view';

export const SEVERITY_STYLE: Record<EventSeverity, string> = {
  fatal: 'text-red-700 dark:text-red-400',
  unhealthy: 'text-amber-700 dark:text-amber-400',
  healthy: 'text-emerald-700 dark:text-emerald-400',
};
