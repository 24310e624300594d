/**
 * `new Date(ms).toISOString()` for times that come in order (a batch's events, a request's hops):
 * the "YYYY-MM-DDTHH:MM:" of the last minute is kept, so most calls only format seconds and
 * milliseconds (a Date and its formatting cost ~10× more). Years outside 0000-9999 go through
 * Date every time.
 */
export class IsoFormatter {
  #minute = NaN;
  #prefix = '';
  #lastMs = NaN;
  #last = '';

  format(time: number): string {
    const ms = Math.trunc(time); // as Date does with a fractional time
    if (ms === this.#lastMs) return this.#last;
    const minute = Math.floor(ms / 60_000);
    let s: string;
    if (minute === this.#minute) {
      const inMinute = ms - minute * 60_000;
      const sec = Math.floor(inMinute / 1000);
      const milli = inMinute - sec * 1000;
      s = `${this.#prefix}${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
    } else {
      s = new Date(ms).toISOString();
      // Four-digit years have the 24-character shape the prefix assumes.
      const cacheable = s.length === 24;
      this.#minute = cacheable ? minute : NaN;
      this.#prefix = cacheable ? s.slice(0, 17) : '';
    }
    this.#lastMs = ms;
    this.#last = s;
    return s;
  }
}

const D0 = 48; // '0'
const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];

/**
 * `Date.parse(t)`, several times faster for the form the parser writes,
 * `YYYY-MM-DDTHH:MM:SS.sssZ`, read digit by digit (Date.parse ran several times per record on the
 * main thread: the clock-skew guard, the windows, the join). Anything else goes to Date.parse.
 */
export function parseIsoMs(t: string): number {
  if (t.length !== 24 || t.charCodeAt(10) !== 84 || t.charCodeAt(23) !== 90 || t.charCodeAt(19) !== 46)
    return Date.parse(t);
  for (const i of DIGITS) {
    const c = t.charCodeAt(i) - D0;
    if (c < 0 || c > 9) return Date.parse(t);
  }
  if (t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58)
    return Date.parse(t);
  const d = (i: number) => t.charCodeAt(i) - D0;
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  const month = d(5) * 10 + d(6);
  const day = d(8) * 10 + d(9);
  const hour = d(11) * 10 + d(12);
  const minute = d(14) * 10 + d(15);
  const second = d(17) * 10 + d(18);
  const ms = d(20) * 100 + d(21) * 10 + d(22);
  // Out-of-range fields fall back, so an odd value is judged exactly as Date.parse judges it.
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return Date.parse(t);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 ? (leap ? 29 : 28) : MONTH_DAYS[month])) return Date.parse(t);
  // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms;
}
