/**
 * A URL as logs, error contexts and dead-letter headers may show it: without userinfo, query or fragment, where
 * a credential or a token could sit.
 */
export function shownUrl(url: URL): string {
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  shown.search = '';
  shown.hash = '';
  return shown.href;
}
