/**
 * kafkajs 2.2.4 computes some timer delays as `throttledUntil - Date.now()` with `throttledUntil` 0, which
 * Node 24 reports as a TimeoutNegativeWarning (kafkajs issue #1751, fixed only in unreleased code). Node
 * already clamps the delay to 1 ms, which is what kafkajs meant, so the warning is noise: drop exactly it.
 */
export function silenceKafkajsNegativeTimeoutWarning(): void {
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const name = warning instanceof Error ? warning.name : type;
    if (name === 'TimeoutNegativeWarning') return;
    (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
  };
}
