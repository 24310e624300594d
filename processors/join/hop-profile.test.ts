import { describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../pipeline/records.ts';
import { packHop, sameHop } from './hop.ts';
import { bookinfoHops } from './testdata/bookinfo-hops.ts';

const [gateway, inbound] = bookinfoHops();
/** The hop as JSON.parse gives it behind Kafka: equal values, new string objects. */
const fresh = (r: AccessRecord): AccessRecord => JSON.parse(JSON.stringify(r));
const base = Date.parse(gateway['@timestamp']);

describe('packed hops share the profile of their call', () => {
  it('hops of the same call and outcome share one profile, whatever string objects they came with', () => {
    const a = packHop(gateway, base);
    const b = packHop(fresh({ ...gateway, 'source.port': 1234, 'http.request.id': 'other' }), base);
    expect(b.profile).toBe(a.profile);
    expect(b.remotePort).toBe(1234);
    expect(packHop(inbound, base).profile).not.toBe(a.profile);
  });

  it('a hop that differs in one field gets a profile with exactly its values', () => {
    const a = packHop(gateway, base);
    const failed = packHop({ ...gateway, 'http.response.status_code': 503, 'mesh.error_class': 'mesh' }, base);
    expect([failed.profile.status, failed.profile.errorClass, failed.profile.route]).toEqual([
      503,
      'mesh',
      a.profile.route,
    ]);
    // An absent service and the service called "null" are two profiles, not one.
    const none = packHop({ ...gateway, 'mesh.destination.service': null }, base);
    const named = packHop({ ...gateway, 'mesh.destination.service': 'null' }, base);
    expect([none.profile.service, named.profile.service]).toEqual([null, 'null']);
    expect(a.profile.status).toBe(gateway['http.response.status_code']);
  });

  it('a re-sent hop is a duplicate; the same call on another connection is not', () => {
    expect(sameHop(packHop(gateway, base), packHop(fresh(gateway), base))).toBe(true);
    expect(sameHop(packHop(gateway, base), packHop({ ...gateway, 'source.port': 1 }, base))).toBe(false);
  });

  it('reads an address port as Number does, digits or not', () => {
    const port = (addr: string) => packHop({ ...gateway, 'envoy.upstream.host': addr }, base).upstreamHostPort;
    expect(
      ['10.0.0.1:8080', '10.0.0.1:0080', '10.0.0.1:12345678901', '10.0.0.1:', '10.0.0.1:x1', 'host'].map(port),
    ).toEqual([8080, 80, 12345678901, 0, 0, 0]);
    expect(port('10.0.0.1:1e3')).toBe(1000);
  });
});
