import * as grpc from '@grpc/grpc-js';
import { readTls, type TlsConfig } from '../tls.ts';

/**
 * gRPC server options every gRPC receiver shares. A connection with no call for
 * `idleTimeoutMs` is closed (`max_connection_idle_ms`, which also covers a client that
 * connects and sends nothing); keepalive pings find dead peers behind a NAT or a crashed node.
 */
export function grpcServerOptions(listener: { idleTimeoutMs: number }, maxMessageBytes: number): grpc.ServerOptions {
  return {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_connection_idle_ms': listener.idleTimeoutMs,
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
  };
}

/** TLS (and client-certificate checking with `clientAuth`) when the listener has a `tls` block. */
export function grpcCredentials(tls: TlsConfig | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const m = readTls(tls);
  return grpc.ServerCredentials.createSsl(m.ca ?? null, [{ private_key: m.key, cert_chain: m.cert }], m.requestCert);
}
