import { permanent } from './errors.ts';

/** Deepest nesting of arrays and objects meshlog parses in a JSON body; OTLP and Zipkin need far fewer. */
export const MAX_JSON_DEPTH = 64;

/**
 * Throws a permanent MESHLOG_LIMIT_EXCEEDED when `text` nests arrays or objects deeper than `max`, in one pass over its
 * characters (brackets inside strings do not count), so a hostile body is refused before
 * `JSON.parse` builds millions of nested objects from it.
 */
export function checkJsonDepth(text: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) throw permanent('MESHLOG_LIMIT_EXCEEDED', { what: 'JSON nesting', limit: `${max} levels` });
    } else if (c === 93 || c === 125) depth--;
  }
}
