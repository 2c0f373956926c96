/**
 * Joins a configured base URL and an endpoint path segment-wise. The original stripped a suffix
 * with `rstrip('/v1')`, which removes any trailing `/`, `v` and `1` characters (so `…:4121` lost
 * its port digit); here only whole path segments are ever compared.
 *
 * `skipLeadingSegment`: drop the endpoint's first segment when the base already ends with it
 * (`https://api.openai.com/v1` + `v1/audio/speech` → one `/v1`).
 */
export function joinUrl(baseUrl: string, endpointPath: string, options: { skipLeadingSegment?: boolean } = {}): URL {
  const base = new URL(baseUrl);
  const baseSegments = base.pathname.split('/').filter((s) => s !== '');
  let endpointSegments = endpointPath.split('/').filter((s) => s !== '');
  if (options.skipLeadingSegment && endpointSegments.length > 0 && baseSegments[baseSegments.length - 1] === endpointSegments[0]) {
    endpointSegments = endpointSegments.slice(1);
  }
  const url = new URL(base.origin);
  url.pathname = `/${[...baseSegments, ...endpointSegments].join('/')}`;
  url.search = base.search;
  return url;
}
