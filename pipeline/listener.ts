import { z } from 'zod';
import { tlsConfig } from './tls.ts';

/**
 * Options every receiver's listener shares, with their defaults. Timeouts close connections that
 * hold a socket without sending (a silent client, half a body, half a msgpack message), so idle
 * peers cannot pin file descriptors and memory for ever.
 */
export const listenerOptions = {
  /** TLS for this listener; absent means plain TCP. */
  tls: tlsConfig.optional(),
  /**
   * A connection that sends nothing for this long is closed (HTTP keep-alive and socket idle,
   * gRPC `max_connection_idle_ms`, Fluent forward socket idle). Must exceed `ackTimeoutMs`, since
   * a sender waiting for its answer is silent. Default: 60000.
   */
  idleTimeoutMs: z.number().int().positive().default(60_000),
  /** HTTP only: the request headers must arrive within this. Default: 10000. */
  headersTimeoutMs: z.number().int().positive().default(10_000),
  /** HTTP only: the whole request (headers and body) must arrive within this. Default: 30000. */
  requestTimeoutMs: z.number().int().positive().default(30_000),
  /**
   * Upper bound on waiting for the pipeline to settle a batch before answering the sender; past
   * it the sender is told to retry. Default: 30000.
   */
  ackTimeoutMs: z.number().int().positive().default(30_000),
};

/** Checks that belong to the combination: the idle timer must not cut a sender waiting for its answer. */
export function checkListener(
  c: { idleTimeoutMs: number; ackTimeoutMs: number; offerTimeoutMs?: number },
  issue: (message: string, path: string[]) => void,
): void {
  const wait = c.ackTimeoutMs + (c.offerTimeoutMs ?? 0);
  if (c.idleTimeoutMs <= wait) {
    issue(`idleTimeoutMs (${c.idleTimeoutMs}) must exceed ackTimeoutMs + offerTimeoutMs (${wait})`, ['idleTimeoutMs']);
  }
}
