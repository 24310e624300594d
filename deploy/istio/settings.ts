import { z } from 'zod';

/** What `meshlog deploy istio` takes (flags or --config FILE), and what the chart's `istio.telemetry` maps to. */
export const istioSettings = z.strictObject({
  /** The agent Service the proxies send to. Default: the chart's release `meshlog` in namespace `meshlog`. */
  agentHost: z.string().min(1).default('meshlog-agent.meshlog.svc.cluster.local'),
  /** The agent's envoy_als (gRPC ALS) port. Default: 9001. */
  alsPort: z.number().int().min(1).max(65535).default(9001),
  /** The agent's OTLP gRPC port (OTel ALS and traces). Default: 4317. */
  otlpPort: z.number().int().min(1).max(65535).default(4317),
  /** envoyHttpAls: structured gRPC ALS entries; envoyOtelAls: OTLP log records. Default: envoyHttpAls. */
  accessLogProvider: z.enum(['envoyHttpAls', 'envoyOtelAls']).default('envoyHttpAls'),
  /** Also point the tracing provider at the agent, which passes spans through to Jaeger. Default: true. */
  tracing: z.boolean().default(true),
  /** Percentage of requests traced. Default: 1. */
  samplingPercentage: z.number().min(0).max(100).default(1),
  /** One Telemetry in the root namespace for the whole mesh. Default: true. */
  meshWide: z.boolean().default(true),
  /** Istio's root namespace. Default: istio-system. */
  rootNamespace: z.string().min(1).default('istio-system'),
  /** Namespaces that get their own Telemetry (when not mesh-wide, or to override). Default: none. */
  namespaces: z.array(z.string().min(1)).default([]),
  /** Ambient waypoints (Gateway name and namespace) that get a Telemetry with targetRefs. Default: none. */
  waypoints: z.array(z.strictObject({ namespace: z.string().min(1), name: z.string().min(1) })).default([]),
  /** Request headers the ALS entries carry besides the standard fields (the business headers meshlog keeps). */
  headers: z.array(z.string().min(1)).default([]),
});

export type IstioSettings = z.infer<typeof istioSettings>;
