// The browser suite's fixed ports: the console under test at E2E_PORT and its embedded PostgreSQL at
// E2E_PG_PORT; a spec that starts servers of its own takes these plus an offset of its own, so
// parallel runs on other base ports never meet. The database's default lies below 32768 on
// purpose: Linux gives its ephemeral ports (32768-60999) to client sockets, and a loopback client
// holding one made a spec's server fail with "port 54396 is already in use" (CI rehearsal,
// 2026-12-07).
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3123);
export const E2E_PG_PORT = Number(process.env.E2E_PG_PORT ?? 25391);
