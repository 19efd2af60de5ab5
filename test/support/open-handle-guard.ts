/**
 * After the last test, nothing the tests opened may keep the process alive: `npm test` must always return with
 * jest's summary. This arms an unref'd timer, so it fires only if something else still holds the process
 * open; then it names what does and exits non-zero, instead of letting CI hang until its time limit.
 */
export function armOpenHandleGuard(graceMs = 15_000): void {
  setTimeout(() => {
    const resources = process
      .getActiveResourcesInfo()
      .filter((resource) => resource !== 'Timeout' && resource !== 'TTYWrap');
    console.error(
      `\n[open-handle-guard] the tests finished ${graceMs / 1000} s ago, but the process is still held open by: ` +
        `${resources.join(', ') || 'unknown handles'}. Run \`npm test -- --detectOpenHandles\` to find them.`,
    );
    process.exit(1);
  }, graceMs).unref();
}
