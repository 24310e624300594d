import { endpoint } from '../../pipeline/net.ts';
import { z } from 'zod';
import { checkListener, listenerOptions } from '../../pipeline/listener.ts';

/** `envoy_als`: Envoy's gRPC access-log service (envoy.service.accesslog.v3), HTTP and TCP entries. */
export const envoyAlsConfig = z
  .strictObject({
    /** host:port to listen on. Default: 127.0.0.1:9001. */
    endpoint: endpoint('127.0.0.1:9001'),
    /** Largest message accepted; bigger ones get RESOURCE_EXHAUSTED. Default: 8 MiB. */
    maxMessageBytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024),
    /** Node ids whose proxies are gateways, beyond those Istio marks `router~`. Default: none. */
    gatewayNodePrefixes: z.array(z.string()).default([]),
    /** How long one stream message may wait for room before the stream ends with RESOURCE_EXHAUSTED. Default: 5000. */
    offerTimeoutMs: z.number().int().nonnegative().default(5000),
    ...listenerOptions,
  })
  .superRefine((c, ctx) => checkListener(c, (message, path) => ctx.addIssue({ code: 'custom', message, path })));

export type EnvoyAlsConfig = z.infer<typeof envoyAlsConfig>;
