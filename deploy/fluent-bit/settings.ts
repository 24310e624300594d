import { z } from 'zod';

/**
 * What `meshlog deploy fluent-bit --config FILE` reads, and the chart's `fluentBit.config` (plus
 * `ports.fluentForward` as agentPort): the same keys, so one settings file gives one output.
 */
export const fluentBitSettings = z.strictObject({
  /** The node's agent: a Service with internalTrafficPolicy Local. Default: the chart's release `meshlog` in namespace `meshlog`. */
  agentHost: z.string().min(1).default('meshlog-agent.meshlog.svc.cluster.local'),
  /** The agent's fluent_forward port. Default: 24224. */
  agentPort: z.number().int().min(1).max(65535).default(24224),
  /** Whose container logs to tail (sidecars, waypoints and ztunnel all name it istio-proxy). Default: istio-proxy. */
  containerName: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a container name (RFC 1123 label)')
    .default('istio-proxy'),
  /** Memory the tail input may buffer before it pauses and spills to the filesystem. Default: 32MB. */
  memBufLimit: z
    .string()
    .regex(/^[0-9]+[KMG]?B?$/)
    .default('32MB'),
  /** Most bytes of chunks the forward output may keep on disk while the agent is away; older chunks go first. Default: 1G. */
  storageTotalLimitSize: z
    .string()
    .regex(/^[0-9]+[KMG]?B?$/)
    .default('1G'),
  /** Seconds between flushes. Default: 1. */
  flushSeconds: z.number().int().positive().default(1),
});

export type FluentBitSettings = z.infer<typeof fluentBitSettings>;
