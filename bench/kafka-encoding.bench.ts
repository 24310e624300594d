import { zstdCompressSync } from 'node:zlib';
import { codecFor, type RecordEncoding } from '../pipeline/kafka/codec.ts';
import { measure, type Bench, type Row } from './harness.ts';
import { accessRecords, spanRecords } from './kafka-records.ts';

/**
 * The encoding of records on a Kafka topic: encode + decode throughput and size per record, for
 * JSON and MessagePack, on parsed access records and spans.
 */
const bench: Bench = {
  name: 'kafka-encoding',
  description: 'record encoding on the topic: encode+decode records/s (one core) and bytes/record',
  async run(): Promise<Row[]> {
    const rows: Row[] = [];
    const sets = { access: accessRecords(2000), span: spanRecords(2000) } as const;
    for (const [kind, records] of Object.entries(sets)) {
      for (const encoding of ['json', 'msgpack'] as RecordEncoding[]) {
        const codec = codecFor(encoding);
        const bytes = records.reduce((n, r) => n + codec.encode(r).length, 0);
        const encoded = records.map((r) => codec.encode(r));
        // What the topic stores with the exporter's default compression: zstd over batches of 500.
        let zstd = 0;
        for (let i = 0; i < encoded.length; i += 500)
          zstd += zstdCompressSync(Buffer.concat(encoded.slice(i, i + 500))).length;
        const enc = await measure(3000, () => {
          for (const r of records) codec.encode(r);
          return records.length;
        });
        const dec = await measure(3000, () => {
          for (const b of encoded) codec.decode(b);
          return records.length;
        });
        const both = 1 / (1 / enc.opsPerSec + 1 / dec.opsPerSec);
        rows.push({
          record: kind,
          encoding,
          'bytes/record': Math.round(bytes / records.length),
          'zstd bytes/record': Math.round(zstd / records.length),
          'encode/s': Math.round(enc.opsPerSec),
          'decode/s': Math.round(dec.opsPerSec),
          'encode+decode/s': Math.round(both),
        });
      }
    }
    return rows;
  },
};
export default bench;
