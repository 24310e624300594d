import { describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../../pipeline/records.ts';
import { LineParser } from '../line-parser.ts';
import { EndpointBook } from './endpoints.ts';

const parser = new LineParser('auto');
const rec = (line: string): AccessRecord => {
  const r = parser.parse(line);
  if (!r.ok) throw new Error(r.reason);
  return r.record;
};

/** The client's ztunnel, carrying productpage's connection to the waypoint (its pod is 10.244.0.37). */
const clientSide = (pod: string) =>
  rec(
    `2025-01-30T12:10:20.000000Z\tinfo\taccess\tconnection complete\tsrc.addr=${pod}:52134 src.workload="productpage-v1-57ffb6658c-vmb6z" src.namespace="bookinfo" src.identity="spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage" dst.addr=10.244.0.50:15008 dst.hbone_addr=10.96.185.196:9080 dst.service="details.bookinfo.svc.cluster.local" dst.workload="waypoint-5b7c9d-x2x9q" dst.namespace="bookinfo" direction="outbound" bytes_sent=900 bytes_recv=4000 duration="9000ms"`,
  );
/** The destination's ztunnel, carrying the waypoint's connection to details-v2 at `pod`. */
const serverSide = (pod: string, workload: string) =>
  rec(
    `2025-01-30T12:10:20.000000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.50:40000 dst.addr=${pod}:15008 dst.hbone_addr=${pod}:9080 dst.service="details.bookinfo.svc.cluster.local" dst.workload="${workload}" dst.namespace="bookinfo" direction="inbound" bytes_sent=1 bytes_recv=1 duration="1ms"`,
  );
const waypoint = (callerIp: string, podIp: string) =>
  rec(
    `[2025-01-30T12:10:13.279Z] "GET /details/0 HTTP/1.1" 200 - via_upstream - "-" 0 178 0 0 "-" "Go-http-client/1.1" "e7d5" "details:9080" "envoy://connect_originate/${podIp}:9080" inbound-vip|9080|http|details.bookinfo.svc.cluster.local envoy://internal_client_address/ 10.96.185.196:9080 ${callerIp}:52134 - default`,
  );

describe('EndpointBook', () => {
  it('names who really called a waypoint and which workload served it', () => {
    const book = new EndpointBook(100);
    const w = waypoint('10.244.0.37', '10.129.0.43');
    book.apply([w, clientSide('10.244.0.37'), serverSide('10.129.0.43', 'details-v2-6cd6d9df6b-mddv2')]);
    expect(w).toMatchObject({
      'mesh.source.workload': 'productpage-v1',
      'mesh.source.namespace': 'bookinfo',
      'mesh.source.identity': 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage',
      'mesh.destination.workload': 'details-v2',
      'mesh.destination.subset': 'v2',
    });
  });

  it('is bounded: past its size the least recently seen pod is forgotten', () => {
    const book = new EndpointBook(2);
    book.apply([serverSide('10.0.0.1', 'a-v1-6cd6d9df6b-mddv2'), serverSide('10.0.0.2', 'b-v1-6cd6d9df6b-mddv2')]);
    book.apply([serverSide('10.0.0.3', 'c-v3-6cd6d9df6b-mddv2')]);
    expect(book.size).toBe(2);
    const forgotten = waypoint('10.9.9.9', '10.0.0.1');
    const kept = waypoint('10.9.9.9', '10.0.0.3');
    book.apply([forgotten, kept]);
    expect(forgotten['mesh.destination.workload']).toBeUndefined();
    expect(kept['mesh.destination.subset']).toBe('v3');
  });
});
