/** Configured exchange URLs, made ready for the paths an adapter appends. */

/** A configured base URL without surrounding blanks and trailing slashes. */
export function trimUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/**
 * The URL to connect to: a configured URL that names only a host gets `path`; one with a path is
 * used as given, so a local fake or a regional host works unchanged.
 */
export function withDefaultPath(url: string, path: string): string {
  const base = trimUrl(url);
  return /^[a-z]+:\/\/[^/]+$/i.test(base) ? `${base}${path}` : base;
}
