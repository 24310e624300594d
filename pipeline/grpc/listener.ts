import type * as grpc from '@grpc/grpc-js';
import { createServer, type Server, type Socket } from 'node:net';
import type { TlsConfig } from '../tls.ts';
import { parseEndpoint } from '../net.ts';
import { grpcCredentials } from './server-options.ts';

/**
 * Owns the TCP listener of a grpc-js server and hands each connection to it. grpc-js closes a
 * connection idle between calls (`max_connection_idle_ms`) but never one that connected and sent
 * nothing, or stopped half way through the HTTP/2 preface; this listener closes those after
 * `idleTimeoutMs`. A connection carrying a call (an ALS stream stays open for ever) is left alone;
 * one idle between calls gets grpc-js's GOAWAY first (same timeout), so the reset here is a fallback.
 */
export class GrpcListener {
  readonly #grpc: grpc.Server;
  readonly #opts: { endpoint: string; tls?: TlsConfig; idleTimeoutMs: number };
  readonly #onIdle: () => void;
  #tcp: Server | undefined;
  #injector: grpc.ConnectionInjector | undefined;
  /** Calls in progress per peer (`host:port`, as grpc-js's call.getPeer() spells it). */
  readonly #calls = new Map<string, number>();
  /** When a call last started or ended, per peer. */
  readonly #lastActive = new Map<string, number>();
  readonly #sockets = new Set<Socket>();

  constructor(
    server: grpc.Server,
    opts: { endpoint: string; tls?: TlsConfig; idleTimeoutMs: number },
    onIdle = () => {},
  ) {
    this.#grpc = server;
    this.#opts = opts;
    this.#onIdle = onIdle;
  }

  /** Marks a call in progress from `peer`; the returned function ends it. */
  callStarted(peer: string): () => void {
    this.#calls.set(peer, (this.#calls.get(peer) ?? 0) + 1);
    this.#lastActive.set(peer, Date.now());
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#lastActive.set(peer, Date.now());
      const n = (this.#calls.get(peer) ?? 1) - 1;
      if (n <= 0) this.#calls.delete(peer);
      else this.#calls.set(peer, n);
    };
  }

  async start(): Promise<void> {
    const injector = this.#grpc.createConnectionInjector(grpcCredentials(this.#opts.tls));
    this.#injector = injector;
    const tcp = createServer((socket) => {
      this.#sockets.add(socket);
      const peer =
        socket.remoteFamily === 'IPv6'
          ? `[${socket.remoteAddress}]:${socket.remotePort}`
          : `${socket.remoteAddress}:${socket.remotePort}`;
      // HTTP/2 reads the socket below JavaScript (socket timeouts do not apply), so a plain timer
      // closes a connection that has had no call for idleTimeoutMs, and re-arms otherwise.
      const idle = this.#opts.idleTimeoutMs;
      const check = () => {
        const quietFor = Date.now() - (this.#lastActive.get(peer) ?? connectedAt);
        if (this.#calls.has(peer) || quietFor < idle) {
          timer = setTimeout(check, this.#calls.has(peer) ? idle : idle - quietFor).unref();
          return;
        }
        this.#onIdle();
        reset(socket);
      };
      const connectedAt = Date.now();
      let timer = setTimeout(check, idle).unref();
      socket.on('close', () => {
        clearTimeout(timer);
        this.#sockets.delete(socket);
        this.#lastActive.delete(peer);
      });
      injector.injectConnection(socket);
    });
    this.#tcp = tcp;
    const { host, port } = parseEndpoint(this.#opts.endpoint);
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, host, () => resolve());
    });
  }

  /** Stops accepting; gives open connections `graceMs` to finish their calls, then closes them. */
  async shutdown(graceMs: number): Promise<void> {
    const tcp = this.#tcp;
    if (!tcp) return;
    this.#tcp = undefined;
    const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
    this.#injector?.drain(graceMs);
    const timer = setTimeout(() => {
      this.#injector?.destroy();
      for (const s of this.#sockets) reset(s);
    }, graceMs);
    await closed;
    clearTimeout(timer);
    this.#injector?.destroy();
  }
}

/** destroy() does not close a socket whose handle HTTP/2 has taken; a TCP reset does. */
function reset(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
