import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';

/**
 * The protobuf schemas meshlog speaks (OTLP, Envoy ALS), loaded once per thread with protobufjs.
 * Imports resolve inside this folder; google/protobuf/* come from protobufjs's bundled copies.
 */
let root: protobuf.Root | undefined;

export function protoRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  const dir = fileURLToPath(new URL('.', import.meta.url));
  r.resolvePath = (origin, target) => {
    if (target.startsWith('google/protobuf/') || target.startsWith('/')) return target;
    const base = origin ? origin.slice(0, origin.lastIndexOf('/') + 1) : dir;
    return base + target;
  };
  r.loadSync(
    ['otlp/logs.proto', 'otlp/trace.proto', 'otlp/status.proto', 'envoy/als.proto', 'zipkin.proto'].map((f) => dir + f),
    { keepCase: false },
  );
  r.resolveAll();
  root = r;
  return r;
}

export function protoType(name: string): protobuf.Type {
  return protoRoot().lookupType(name);
}
