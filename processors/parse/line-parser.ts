import type { AccessRecord } from '../../pipeline/records.ts';
import { compileText, type TextParser } from './envoy-format/compile.ts';
import { ISTIO_TEXT_FORMATS } from './envoy-format/istio-formats.ts';
import { JsonFormat } from './envoy-format/json-format.ts';
import type { Fields } from './fields.ts';
import { ENVOY_KEY_ALIASES } from './envoy-format/json-format.ts';
import { DEFAULT_CLUSTER_DOMAIN } from './mesh/cluster.ts';
import { DEFAULT_SUBSET_RULES, subsetResolver, type SubsetRules } from './mesh/subset.ts';
import { FieldError, normalise, type LineContext, type NormaliseOptions } from './normalise.ts';
import { unwrap, type Unwrapped } from './unwrap.ts';
import { isZtunnelJson, isZtunnelText, parseZtunnelJson, parseZtunnelText } from './ztunnel.ts';

/** What the parse config says about the mesh (see config.ts); both parts have defaults. */
export interface MeshRules {
  clusterDomain?: string;
  subsets?: SubsetRules;
}

export type LineResult = { ok: true; record: AccessRecord } | { ok: false; reason: string };

interface Candidate {
  id: string;
  parser: TextParser;
}

const ISTIO_CANDIDATES: Candidate[] = ISTIO_TEXT_FORMATS.map((f) => ({
  id: f.id,
  parser: compileText(f.format, { spaceFree: true }),
}));

/**
 * Parses one access-log line in the configured format:
 * - `auto`: ztunnel access events (text, JSON, legacy) as L4 records; other JSON lines by key (Istio's
 *   keys and Envoy's own, as Envoy Gateway logs them); text lines as whichever Istio format A–H
 *   fits (per line, so a mesh mid-upgrade with two layouts works);
 * - `istio-text`, `istio-json`: only that family;
 * - `envoy:<format string>`: a user's `accessLogFormat`, text or JSON-shaped.
 * Collector prefixes (CRI, docker json-file, kubectl timestamps, Fluent Bit `log`) are removed first.
 */
export class LineParser {
  readonly #mode: 'auto' | 'istio-text' | 'istio-json' | 'custom';
  readonly #custom: Candidate | undefined;
  readonly #json: JsonFormat;
  readonly #jsonLabel: string;
  readonly #opts: NormaliseOptions;
  #lastHit = 0;

  constructor(format: string, rules: MeshRules = {}) {
    this.#opts = normaliseOptions(rules);
    if (format === 'auto' || format === 'istio-text' || format === 'istio-json') {
      this.#mode = format;
      this.#json = new JsonFormat();
      this.#jsonLabel = 'istio-json';
      return;
    }
    if (!format.startsWith('envoy:')) {
      throw new Error(`format must be auto, istio-text, istio-json or envoy:<format string>, got "${format}"`);
    }
    const body = format.slice('envoy:'.length).trim();
    this.#mode = 'custom';
    if (body.startsWith('{')) {
      this.#json = new JsonFormat(body);
      this.#jsonLabel = 'envoy-json';
    } else {
      this.#json = new JsonFormat();
      this.#jsonLabel = 'istio-json';
      this.#custom = { id: 'envoy-custom', parser: compileText(body) };
    }
  }

  parse(line: string, ctx?: LineContext): LineResult {
    let u: Unwrapped;
    try {
      u = unwrap(line);
    } catch (err) {
      return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
    }
    if (u.partial) return { ok: false, reason: 'CRI partial line without its final part' };
    return this.parseUnwrapped(u, ctx);
  }

  /** For callers that reassemble CRI partial lines themselves. */
  parseUnwrapped(u: Unwrapped, ctx?: LineContext): LineResult {
    if (u.stamped === undefined) return this.#parseUnwrapped(u, ctx);
    // A leading timestamp is either kubectl's stamp or the format's own START_TIME. Istio's
    // formats start with "[", so for them the stamp is kubectl's; a custom format gets its whole
    // line first.
    const whole: Unwrapped = { line: u.stamped, partial: false, context: u.context };
    const [first, second] = this.#custom ? [whole, u] : [u, whole];
    const result = this.#parseUnwrapped(first, ctx);
    if (result.ok) return result;
    const other = this.#parseUnwrapped(second, ctx);
    return other.ok ? other : result;
  }

  #parseUnwrapped(u: Unwrapped, ctx?: LineContext): LineResult {
    const context = u.context || ctx ? { ...ctx, ...u.context } : undefined;
    const text = u.line;
    let json = u.json;
    if (!json && text.charCodeAt(0) === 123) {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
          return { ok: false, reason: 'JSON line is not an object' };
        json = parsed as Record<string, unknown>;
      } catch (err) {
        return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
      }
    }
    if (json && this.#mode !== 'custom' && isZtunnelJson(json))
      return this.#ztunnel(() => parseZtunnelJson(json, context, this.#opts));
    if (json) {
      if (this.#mode === 'istio-text' || this.#custom)
        return {
          ok: false,
          reason: `JSON line, but the format is ${this.#custom ? 'a text format string' : 'istio-text'}`,
        };
      const label = this.#jsonLabel === 'istio-json' && hasEnvoyKeys(json) ? 'envoy-json' : this.#jsonLabel;
      return this.#finish(this.#json.fields(json), label, context);
    }
    if (this.#mode === 'istio-json') return { ok: false, reason: 'not a JSON line, but the format is istio-json' };
    if (this.#custom) {
      const fields = this.#custom.parser.parse(text);
      if (!fields) return { ok: false, reason: `does not match the format string (${describeMismatch(text)})` };
      return this.#finish(fields, this.#custom.id, context);
    }
    if (isZtunnelText(text)) return this.#ztunnel(() => parseZtunnelText(text, context, this.#opts));
    return this.#detect(text, context);
  }

  /** The mesh rules compiled for normalise (also used for records decoded without a line, e.g. ALS). */
  get options(): NormaliseOptions {
    return this.#opts;
  }

  #ztunnel(parse: () => AccessRecord): LineResult {
    try {
      return { ok: true, record: parse() };
    } catch (err) {
      if (err instanceof FieldError) return { ok: false, reason: `ztunnel: ${err.message}` };
      throw err;
    }
  }

  #detect(text: string, ctx: LineContext | undefined): LineResult {
    const n = ISTIO_CANDIDATES.length;
    for (let k = 0; k < n; k++) {
      const i = (this.#lastHit + k) % n;
      const fields = ISTIO_CANDIDATES[i].parser.parse(text);
      if (fields) {
        this.#lastHit = i;
        return this.#finish(fields, ISTIO_CANDIDATES[i].id, ctx);
      }
    }
    return { ok: false, reason: `does not match any Istio text format A–H (${describeMismatch(text)})` };
  }

  #finish(fields: Fields, format: string, ctx: LineContext | undefined): LineResult {
    try {
      return { ok: true, record: normalise(fields, format, ctx, this.#opts) };
    } catch (err) {
      if (err instanceof FieldError) return { ok: false, reason: err.message };
      throw err;
    }
  }
}

export function normaliseOptions(rules: MeshRules = {}): NormaliseOptions {
  return {
    clusterDomain: rules.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    subsetOf: subsetResolver(rules.subsets ?? DEFAULT_SUBSET_RULES),
  };
}

function hasEnvoyKeys(obj: Record<string, unknown>): boolean {
  for (const k in obj) if (k in ENVOY_KEY_ALIASES) return true;
  return false;
}

/** A hint for the dead-letter reason: the usual causes are truncation and unbalanced quotes. */
function describeMismatch(text: string): string {
  const quotes = (text.match(/"/g) ?? []).length;
  if (quotes % 2 === 1) return 'unbalanced quotes';
  if (!text.startsWith('[')) return 'no [START_TIME] at the start';
  return `${text.split(/\s+/).length} whitespace-separated tokens; truncated or a different layout`;
}
