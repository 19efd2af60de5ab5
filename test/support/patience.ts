/**
 * How long a test may wait for an outcome before it fails. Tests wait for what they can observe, so a ceiling
 * costs nothing when things go well; it is generous because a shared two-core machine under load can be many
 * times slower than a quiet one. `TEST_PATIENCE` multiplies every ceiling (default 4).
 */
const factor = Number(process.env['TEST_PATIENCE'] ?? 4) || 4;

export const ceiling = (ms: number): number => Math.round(ms * factor);
