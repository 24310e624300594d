/** Distinct names a cache keeps before it starts over: a mesh has one cluster name per service, port and subset. */
export const NAME_CACHE_LIMIT = 4096;

/**
 * `read` remembered per name and cluster domain. Cluster names, SNIs and authorities repeat line
 * after line, and reading one is a split and two or three regular expressions: 11 % of the parse
 * worker's time end to end (bench/results/peers.md). Past `limit` distinct names (a client that
 * makes up authorities) the cache is emptied and fills again, so it stays bounded. What it returns
 * is frozen: one object serves every line with that name.
 */
export function cachedByName<R>(
  read: (name: string, clusterDomain: string) => R,
  limit = NAME_CACHE_LIMIT,
): (name: string | null | undefined, clusterDomain: string) => R {
  const byDomain = new Map<string, Map<string, R>>();
  return (name, clusterDomain) => {
    if (!name) return read(name as string, clusterDomain);
    let seen = byDomain.get(clusterDomain);
    if (seen === undefined) byDomain.set(clusterDomain, (seen = new Map()));
    let value = seen.get(name);
    if (value === undefined) {
      if (seen.size >= limit) seen.clear();
      value = read(name, clusterDomain);
      if (typeof value === 'object' && value !== null) Object.freeze(value);
      seen.set(name, value);
    }
    return value;
  };
}
