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
