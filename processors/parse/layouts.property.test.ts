import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../pipeline/records.ts';
import { tokenize } from './envoy-format/compile.ts';
import { ISTIO_TEXT_FORMATS } from './envoy-format/istio-formats.ts';
import { LineParser } from './line-parser.ts';

/**
 * Every Istio layout A–H, rendered with every string field absent (`-`), empty, quoted with
 * spaces (where the layout quotes it) or present, must parse back field by field, whatever the
 * neighbours hold. Empty unquoted fields leave two spaces, or a trailing space at the end of the line.
 */

type Variant = { kind: 'absent' } | { kind: 'empty' } | { kind: 'present'; value: string };

/** Where each canonical field lands in the record. */
const TARGET: Record<string, keyof AccessRecord> = {
  response_code_details: 'envoy.response_code_details',
  connection_termination_details: 'envoy.connection_termination_details',
  upstream_transport_failure_reason: 'envoy.upstream.transport_failure_reason',
  x_forwarded_for: 'envoy.x_forwarded_for',
  user_agent: 'user_agent.original',
  request_id: 'http.request.id',
  authority: 'envoy.authority',
  upstream_host: 'envoy.upstream.host',
  upstream_cluster: 'envoy.upstream.cluster',
  upstream_local_address: 'envoy.upstream.local_address',
  requested_server_name: 'envoy.requested_server_name',
  route_name: 'envoy.route_name',
};

const bare = fc.stringMatching(/^[A-Za-z0-9._:{}|,;-]{1,24}$/).filter((s) => s !== '-');
const spaced = fc
  .tuple(bare, fc.stringMatching(/^[A-Za-z0-9 ();/.,=-]{1,30}$/), bare)
  .map(([a, b, c]) => `${a} ${b} ${c}`);
const variant = (quoted: boolean): fc.Arbitrary<Variant> =>
  fc.oneof(
    fc.constant<Variant>({ kind: 'absent' }),
    fc.constant<Variant>({ kind: 'empty' }),
    (quoted ? fc.oneof(bare, spaced) : bare).map((value): Variant => ({ kind: 'present', value })),
  );

interface Layout {
  id: string;
  parts: ReturnType<typeof tokenize>;
  /** Fields of TARGET in this layout, with whether the layout quotes them. */
  fields: Array<{ name: string; quoted: boolean }>;
}

const LAYOUTS: Layout[] = ISTIO_TEXT_FORMATS.map(({ id, format }) => {
  const parts = tokenize(format);
  const fields: Layout['fields'] = [];
  parts.forEach((p, i) => {
    if (!('op' in p) || !('field' in p.op.target) || !(p.op.target.field in TARGET)) return;
    const before = parts[i - 1];
    fields.push({ name: p.op.target.field, quoted: !!before && 'literal' in before && before.literal.endsWith('"') });
  });
  return { id, parts, fields };
});

/** Envoy's text rendering: unset is `-`; the fixed fields get fixed values. */
function render(layout: Layout, values: Record<string, Variant>): string {
  const fixed: Record<string, string> = {
    start_time: '2024-03-01T10:00:00.000Z',
    method: 'GET',
    path: '/reviews/7',
    protocol: 'HTTP/1.1',
    response_code: '200',
    response_flags: '-',
    bytes_received: '0',
    bytes_sent: '120',
    duration: '4',
    upstream_service_time: '3',
    istio_policy_status: '-',
  };
  let out = '';
  for (const p of layout.parts) {
    if ('literal' in p) out += p.literal;
    else {
      const name = 'field' in p.op.target ? p.op.target.field : p.op.target.extra;
      const v = values[name];
      out += v ? (v.kind === 'absent' ? '-' : v.kind === 'empty' ? '' : v.value) : (fixed[name] ?? '-');
    }
  }
  return out;
}

/** Layouts a line may also be read as: E and F without a route name have the shapes of D and C. */
const SAME_SHAPE: Record<string, string[]> = { 'istio-text-E': ['istio-text-D'], 'istio-text-F': ['istio-text-C'] };

describe('property: every Istio layout, every field absent, empty, quoted with spaces or present', () => {
  it.each(LAYOUTS.map((l) => [l.id, l] as const))('%s', (_id, layout) => {
    const parser = new LineParser('auto');
    const arb = fc.record(Object.fromEntries(layout.fields.map((f) => [f.name, variant(f.quoted)])));
    fc.assert(
      fc.property(arb, (values) => {
        const line = render(layout, values);
        const r = parser.parse(line);
        if (!r.ok) throw new Error(`${r.reason}: ${line}`);
        const rec = r.record;
        const routeGone = values.route_name && values.route_name.kind !== 'present';
        const ids = [layout.id, ...(routeGone ? (SAME_SHAPE[layout.id] ?? []) : [])];
        expect(ids).toContain(rec['envoy.format']);
        expect(rec['http.response.status_code']).toBe(200);
        expect(rec['http.response.bytes']).toBe(120);
        expect(rec['url.original']).toBe('/reviews/7');
        for (const f of layout.fields) {
          const v = values[f.name];
          // A route name cut off with its layout's shape is indistinguishable: it is null either way.
          if (rec['envoy.format'] !== layout.id && f.name === 'upstream_transport_failure_reason') continue;
          const want = v.kind === 'present' ? v.value : null;
          if (f.name === 'upstream_host' || f.name === 'upstream_local_address') {
            if (want === null || !want.startsWith('envoy://')) expect(rec[TARGET[f.name]], f.name).toBe(want);
          } else expect(rec[TARGET[f.name]], f.name).toBe(want);
        }
      }),
      { numRuns: 300 },
    );
  });
});
