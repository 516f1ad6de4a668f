// The store SDK's model door: its types, enums, timestamps and how an enum value reads, with no
// driver and no I/O, so a browser bundle may import it (./index.ts registers the database drivers;
// ./postgres.ts holds PostgreSQL tools). The console's pages and components use this one only.
export * from './model/enums';
export type * from './model/health-event';
export type { MaintenanceEvent } from './model/maintenance-event';
export { dateToTimestamp, timestampToDate, type Timestamp } from './model/timestamp';
