import type * as grpc from '@grpc/grpc-js';
import type { Http2Server, ServerHttp2Session } from 'node:http2';

/**
 * The HTTP/2 flow-control window OTLP/gRPC connections get, per stream and per connection. With
 * HTTP/2's default of 64 KiB a sender may have only that much unacknowledged, so a 460 KB export
 * costs the receiver about fourteen WINDOW_UPDATE frames, each a write on the main thread
 * (measured: 0.6 us of main-thread CPU per span of 512-span exports). grpc-go grows its windows
 * the same way (up to 16 MiB, by estimating the bandwidth-delay product). Memory stays bounded
 * by `maxBodyBytes`, which grpc-js enforces on each message before it buffers its body.
 */
export const GRPC_WINDOW_BYTES = 1024 * 1024;

/**
 * Gives every HTTP/2 session of `server` the wider window as it is set up. grpc-js has no server
 * option for the windows, so its HTTP/2 servers (made when the listener starts) are reached by
 * their field name; when a grpc-js release renames it, nothing is widened and this returns false.
 */
export function widenFlowControlWindows(server: grpc.Server, bytes = GRPC_WINDOW_BYTES): boolean {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map)) return false;
  for (const h2 of servers.keys() as Iterable<Http2Server>) {
    h2.on('session', (session: ServerHttp2Session) => {
      session.settings({ initialWindowSize: bytes });
      session.setLocalWindowSize(bytes);
    });
  }
  return servers.size > 0;
}
