import protobuf from 'protobufjs';
import type { Rng } from '../rng.ts';

const STRINGS = [
  '',
  '-',
  'guid:x-request-id',
  'http.status_code',
  'upstream_cluster',
  'response_flags',
  'node_id',
  'service.name',
  'sidecar~10.1.1.5~productpage-v1-6b746f74dc-9stvs.default~default.svc.cluster.local',
  'outbound|9080|v2|reviews.default.svc.cluster.local',
  'UF,URX',
  '503',
  'error',
  '[2025-12-14T15:04:12.558Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 1 2 3 "-" "c" "id" "a" "h" outbound|80||a.b.svc.cluster.local - - - - -',
  '{"start_time":"2025-12-14T15:04:12.558Z","response_code":200}',
  '\ud800',
  'x'.repeat(300),
];
const LONGS = ['0', '1', '-1', '1765724652558000000', '18446744073709551615', '9223372036854775807', '4294967296'];

/**
 * A random but well-formed message of `type`, built by walking the schema: it decodes, so whatever
 * breaks is the mapping code behind the decoder (missing fields, odd ids, extreme times, deep values).
 */
export function randomMessage(type: protobuf.Type, rng: Rng, depth = 0): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (!rng.chance(depth > 4 ? 0.2 : 0.6)) continue;
    field.resolve();
    if (field.map) {
      const m: Record<string, unknown> = {};
      const n = rng.size(4);
      for (let i = 0; i < n; i++)
        m[rng.pick(STRINGS).slice(0, 40) || 'k'] = scalar(field.type, field.resolvedType, rng, depth);
      obj[field.name] = m;
    } else if (field.repeated) {
      const n = rng.size(depth > 3 ? 2 : 5);
      obj[field.name] = Array.from({ length: n }, () => scalar(field.type, field.resolvedType, rng, depth));
    } else {
      obj[field.name] = scalar(field.type, field.resolvedType, rng, depth);
    }
  }
  // A oneof keeps only one member.
  for (const oneof of type.oneofsArray) {
    const set = oneof.fieldsArray.filter((f) => obj[f.name] !== undefined);
    for (const f of set.slice(1)) delete obj[f.name];
  }
  return obj;
}

function scalar(kind: string, resolved: protobuf.ReflectionObject | null, rng: Rng, depth: number): unknown {
  if (resolved instanceof protobuf.Type) return depth > 8 ? {} : randomMessage(resolved, rng, depth + 1);
  if (resolved instanceof protobuf.Enum) {
    const values = Object.values(resolved.values);
    return rng.chance(0.9) ? rng.pick(values) : rng.int(1000);
  }
  switch (kind) {
    case 'string':
      return rng.chance(0.7) ? rng.pick(STRINGS) : randomText(rng);
    case 'bytes': {
      const b = new Uint8Array(rng.pick([0, 1, 8, 8, 16, 16, 17, 32]));
      for (let i = 0; i < b.length; i++) b[i] = rng.chance(0.2) ? 0 : rng.int(256);
      return b;
    }
    case 'bool':
      return rng.chance(0.5);
    case 'double':
    case 'float':
      return rng.pick([0, -1, 1.5, 1e308, -1e308, Number.NaN, Infinity, rng.int(1e9)]);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return rng.chance(0.5) ? rng.pick(LONGS) : String(rng.int(2 ** 31) - 2 ** 30);
    case 'uint64':
    case 'fixed64':
      return rng.pick(LONGS.filter((l) => !l.startsWith('-')));
    case 'uint32':
    case 'fixed32':
      return rng.pick([0, 1, 200, 503, 4294967295, rng.int(2 ** 32)]);
    default:
      return rng.pick([0, 1, -1, 200, 503, 2147483647, -2147483648, rng.int(2 ** 31)]);
  }
}

function randomText(rng: Rng): string {
  const n = rng.size(40);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.chance(0.9) ? rng.range(0x20, 0x7e) : rng.int(0x10000));
  return s;
}

export function encodeRandom(type: protobuf.Type, rng: Rng): Uint8Array {
  const msg = type.fromObject(randomMessage(type, rng));
  return type.encode(msg).finish();
}
