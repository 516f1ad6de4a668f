// The fault suite runs in two sizes: `full` (npm run test:faults) and `quick` (npm run test:faults
// -- --quick, and inside npm test). FAULTS names the size; the vitest project "faults" exists only
// while it is set (vitest.config.ts), so a plain `vitest run` never starts it.
export const faultMode: 'quick' | 'full' = process.env.FAULTS === 'full' ? 'full' : 'quick';

/** The quick figure in quick mode, the full one otherwise. */
export const bySize = <T>(quick: T, full: T): T => (faultMode === 'full' ? full : quick);
