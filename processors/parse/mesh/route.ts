/** Route names Istio generates that say nothing about the route. */
const GENERIC_ROUTE_NAMES = new Set(['default', 'allow_any', 'block_all', 'inbound|http|', '-']);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^\d+$/;
const HEX = /^(?=.*\d)[0-9a-f]{8,}$/i;

/**
 * A bounded-cardinality route key: the Envoy route name when it means something, otherwise the
 * path with numeric, UUID and hex segments replaced by `{id}` and the query dropped. TCP hops
 * (no method) are `tcp`.
 */
export function routeKey(
  routeName: string | null | undefined,
  path: string | null | undefined,
  method: string | null | undefined,
): string {
  if (routeName && !GENERIC_ROUTE_NAMES.has(routeName) && !routeName.startsWith('inbound|')) return routeName;
  if (!method) return 'tcp';
  if (!path) return '/';
  return templatePath(path);
}

export function templatePath(path: string): string {
  const q = path.indexOf('?');
  const bare = q === -1 ? path : path.slice(0, q);
  return bare
    .split('/')
    .map((seg) => (NUMBER.test(seg) || UUID.test(seg) || HEX.test(seg) ? '{id}' : seg))
    .join('/');
}

/**
 * Caps routes per service so one service with unbounded paths cannot explode the cardinality of
 * windows, metrics and dashboards. Past `maxRoutes` distinct keys, new ones become `__other__`.
 * It lives in the main thread, so every worker sees one set.
 */
export class RouteCap {
  readonly #max: number;
  readonly #seen = new Map<string, Set<string>>();
  constructor(maxRoutes: number) {
    this.#max = maxRoutes;
  }
  apply(service: string | null | undefined, route: string): string {
    const key = service ?? '';
    let routes = this.#seen.get(key);
    if (!routes) this.#seen.set(key, (routes = new Set()));
    if (routes.has(route)) return route;
    if (routes.size >= this.#max) return '__other__';
    routes.add(route);
    return route;
  }
}
