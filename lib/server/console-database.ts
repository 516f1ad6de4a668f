// The console database pool of this server process (users, sessions, audit log).
import 'server-only';

export { sharedConsolePool as getConsolePool } from '@/lib/console/console-database';
