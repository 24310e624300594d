/**
 * Parses START_TIME values rendered with a strftime argument, e.g. `%START_TIME(%Y/%m/%dT%H:%M:%S%z)%`
 * or `%START_TIME(%s.%3f)%`. The layout is compiled to a regex once; values become epoch ms.
 */
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const DIRECTIVES: Record<string, [string, string]> = {
  Y: ['(?<Y>\\d{4})', ''],
  m: ['(?<m>\\d{1,2})', ''],
  d: ['(?<d>\\d{1,2})', ''],
  e: ['\\s?(?<d>\\d{1,2})', ''],
  H: ['(?<H>\\d{1,2})', ''],
  M: ['(?<M>\\d{2})', ''],
  S: ['(?<S>\\d{2})', ''],
  s: ['(?<s>\\d+)', ''],
  z: ['(?<z>[+-]\\d{2}:?\\d{2}|Z)', ''],
  Z: ['(?<Zn>[A-Z]{1,5})', ''],
  b: ['(?<b>[A-Za-z]{3})', ''],
  h: ['(?<b>[A-Za-z]{3})', ''],
  a: ['[A-Za-z]{3}', ''],
  A: ['[A-Za-z]+', ''],
  y: ['(?<y>\\d{2})', ''],
  f: ['(?<f>\\d+)', ''],
  T: ['(?<H>\\d{2}):(?<M>\\d{2}):(?<S>\\d{2})', ''],
  F: ['(?<Y>\\d{4})-(?<m>\\d{2})-(?<d>\\d{2})', ''],
  j: ['\\d{3}', ''],
  '%': ['%', ''],
};

export type TimeParser = (value: string) => number | null;

export function compileStrftime(layout: string): TimeParser {
  let src = '';
  const seen = new Set<string>();
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i];
    if (c !== '%') {
      src += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    let spec = layout[++i];
    if (/[1-9]/.test(spec) && layout[i + 1] === 'f') {
      spec = 'f';
      i++;
    }
    const d = DIRECTIVES[spec];
    if (!d) throw new Error(`unsupported strftime directive %${spec} in START_TIME(${layout})`);
    // A named group may appear only once in a JS regex; repeats match without capturing.
    const pattern = d[0].replace(/\(\?<(\w+)>/g, (m, name: string) => (seen.has(name) ? '(?:' : (seen.add(name), m)));
    src += pattern;
  }
  const re = new RegExp(`^${src}$`);
  return (value) => {
    const g = re.exec(value)?.groups;
    if (!g) return null;
    const frac = g.f ? Number(`0.${g.f}`) * 1000 : 0;
    if (g.s) return Number(g.s) * 1000 + frac;
    const month = g.b ? MONTHS.indexOf(g.b.toLowerCase()) : Number(g.m ?? 1) - 1;
    const year = g.Y ? Number(g.Y) : g.y ? 2000 + Number(g.y) : 1970;
    let ms = Date.UTC(year, month, Number(g.d ?? 1), Number(g.H ?? 0), Number(g.M ?? 0), Number(g.S ?? 0)) + frac;
    if (g.z && g.z !== 'Z') {
      const sign = g.z[0] === '-' ? -1 : 1;
      const digits = g.z.replace(/[+:-]/g, '');
      ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    }
    return ms;
  };
}
