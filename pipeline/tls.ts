import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The `tls` block every listener takes (HTTP and gRPC receivers, Fluent forward, the admin
 * server). Absent means plain TCP: inside a mesh, Istio's mTLS does this job.
 */
export const tlsConfig = z.strictObject({
  /** PEM certificate chain the listener presents. */
  certFile: z.string().min(1),
  /** PEM private key of that certificate. */
  keyFile: z.string().min(1),
  /** PEM bundle of the CAs client certificates must chain to; required by `clientAuth`. */
  caFile: z.string().min(1).optional(),
  /** Require and verify a client certificate (mutual TLS). Default: false. */
  clientAuth: z.boolean().default(false),
});

export type TlsConfig = z.infer<typeof tlsConfig>;

/** The files of a TLS block, read; options in the shape node:tls, https and fastify take. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

/** Reads the files at start; an error names the option and the path. */
export function readTls(tls: TlsConfig): TlsMaterial {
  if (tls.clientAuth && !tls.caFile)
    throw new Error('tls.clientAuth needs tls.caFile (the CA client certificates chain to)');
  const read = (key: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`tls.${key}: cannot read "${path}": ${(err as Error).message}`, { cause: err });
    }
  };
  return {
    cert: read('certFile', tls.certFile),
    key: read('keyFile', tls.keyFile),
    ...(tls.caFile ? { ca: read('caFile', tls.caFile) } : {}),
    requestCert: tls.clientAuth,
    rejectUnauthorized: tls.clientAuth,
  };
}
