/** Route names Istio generates that say nothing about the route. */
const GENERIC_ROUTE_NAMES = new Set(['default', 'allow_any', 'block_all', 'inbound|http|', '-']);

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

/**
 * The path without its query, with every segment that is an id replaced by `{id}`: all digits
 * (`^\d+$`), a UUID (8-4-4-4-12 hex digits, any case) or 8+ hex digits of which one at least is a
 * decimal digit (`^(?=.*\d)[0-9a-f]{8,}$`, any case). One pass over the char codes, allocating
 * only where a segment is replaced: it runs for every HTTP line (split/map/join and three regexes
 * per segment were ~6 % of the parse worker).
 */
export function templatePath(path: string): string {
  const q = path.indexOf('?');
  const end = q === -1 ? path.length : q;
  let out = '';
  let copied = 0; // path[0, copied) is in `out` already
  let start = 0;
  for (let i = 0; i <= end; i++) {
    if (i < end && path.charCodeAt(i) !== 47 /* / */) continue;
    if (isIdSegment(path, start, i)) {
      out += path.slice(copied, start) + '{id}';
      copied = i;
    }
    start = i + 1;
  }
  if (copied === 0) return q === -1 ? path : path.slice(0, q);
  return out + path.slice(copied, end);
}

/** Whether `path[from, to)` is all digits, a UUID, or 8+ hex digits with a decimal digit. */
function isIdSegment(path: string, from: number, to: number): boolean {
  const length = to - from;
  if (length === 0) return false;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const c = path.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if ((c | 32) < 97 || (c | 32) > 102) return length === 36 && isUuid(path, from);
  }
  return digits === length || (length >= 8 && digits > 0);
}

/** `path[from, from + 36)` is 8-4-4-4-12 hex digits joined by dashes. */
function isUuid(path: string, from: number): boolean {
  for (let i = 0; i < 36; i++) {
    const c = path.charCodeAt(from + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45 /* - */) return false;
    } else if (!((c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102))) return false;
  }
  return true;
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
