import { z } from 'zod';

/**
 * How to reach a Kafka cluster: the part of the config that the `kafka` receiver and exporter
 * share. TLS is on when `tls` is present (an empty mapping trusts the system CAs).
 */
export const kafkaConnectionShape = {
  /** Bootstrap brokers, host:port. */
  brokers: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1),
  /** Client id the brokers log and quota by. Default: meshlog. */
  clientId: z.string().min(1).default('meshlog'),
  sasl: z
    .strictObject({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string().min(1),
      /** File holding the password (a mounted Secret), read at start. */
      passwordFile: z.string().min(1),
    })
    .optional(),
  tls: z
    .strictObject({
      /** PEM bundle of the CAs to trust; the system CAs when absent. */
      caFile: z.string().min(1).optional(),
      /** Client certificate and key (PEM) for mutual TLS. */
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
    })
    .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
      message: 'certFile and keyFile go together',
    })
    .optional(),
};

export const kafkaConnection = z.strictObject(kafkaConnectionShape);
export type KafkaConnection = z.infer<typeof kafkaConnection>;
