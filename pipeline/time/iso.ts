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

const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The decimal digit at `i`, or -1 for any other character. */
function digit(t: string, i: number): number {
  const d = t.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** The two-digit number at `i`, or -1 if either is not a digit. */
function two(t: string, i: number): number {
  const a = digit(t, i);
  const b = digit(t, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * `Date.parse(t)`, several times faster for the form the parser writes,
 * `YYYY-MM-DDTHH:MM:SS.sssZ`, read digit by digit (it runs three times per access record on the
 * main thread: the clock-skew guard, the windows, the join). Anything else goes to Date.parse.
 */
export function parseIsoMs(t: string): number {
  if (
    t.length !== 24 ||
    t.charCodeAt(4) !== 45 ||
    t.charCodeAt(7) !== 45 ||
    t.charCodeAt(10) !== 84 ||
    t.charCodeAt(13) !== 58 ||
    t.charCodeAt(16) !== 58 ||
    t.charCodeAt(19) !== 46 ||
    t.charCodeAt(23) !== 90
  )
    return Date.parse(t);
  const century = two(t, 0);
  const yy = two(t, 2);
  const month = two(t, 5);
  const day = two(t, 8);
  const hour = two(t, 11);
  const minute = two(t, 14);
  const second = two(t, 17);
  const msHigh = digit(t, 20);
  const msLow = two(t, 21);
  // Any non-digit is -1; out-of-range fields fall back, so an odd value is judged as Date.parse judges it.
  if (century < 10 || yy < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23)
    return Date.parse(t);
  if (minute < 0 || minute > 59 || second < 0 || second > 59 || msHigh < 0 || msLow < 0) return Date.parse(t);
  const year = century * 100 + yy;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 ? (leap ? 29 : 28) : MONTH_DAYS[month])) return Date.parse(t);
  // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil); year >= 1000.
  const y = month <= 2 ? year - 1 : year;
  const era = (y / 400) | 0;
  const yoe = y - era * 400;
  const doy = (((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) | 0) + day - 1;
  const doe = yoe * 365 + ((yoe / 4) | 0) - ((yoe / 100) | 0) + doy;
  const days = era * 146097 + doe - 719468;
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + msHigh * 100 + msLow;
}
