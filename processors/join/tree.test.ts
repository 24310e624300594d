import { describe, expect, it } from 'vitest';
import type { Direction } from '../../pipeline/records.ts';
import type { HopProfile, PackedHop } from './hop.ts';
import { callTree } from './tree.ts';

const profile = (direction: Direction, service: string): HopProfile => ({
  status: 200,
  flags: '',
  errorClass: 'ok',
  direction,
  service,
  namespace: null,
  route: '/r',
  cluster: null,
  subset: null,
  sourceWorkload: null,
  sourceNamespace: null,
  method: null,
  authority: null,
  codeDetails: null,
});

/** A hop with no addresses: nothing links it to another, so it is a root and order shows the sort alone. */
const hop = (start: number, direction: Direction, service: string): PackedHop => ({
  start,
  duration: 1,
  profile: profile(direction, service),
  remoteIp: null,
  remotePort: 0,
  localIp: null,
  localPort: 0,
  upstreamLocalIp: null,
  upstreamLocalPort: 0,
  upstreamHostIp: null,
  upstreamHostPort: 0,
  path: null,
  labels: null,
});

describe('call order of hops that nothing links', () => {
  it('is by start, gateway and outbound before inbound, and arrival order for hops equal in every key', () => {
    const hops = [hop(5, 'inbound', 'a'), hop(5, 'outbound', 'b'), hop(5, 'inbound', 'c'), hop(1, 'inbound', 'd')];
    expect(callTree(hops, 0).order.map((i) => hops[i].profile.service)).toEqual(['d', 'b', 'a', 'c']);
  });

  it('is the same for a long request as for a short one', () => {
    const starts = Array.from({ length: 20 }, (_, i) => (i * 7) % 5);
    const hops = starts.map((s, i) => hop(s, i % 3 === 0 ? 'outbound' : 'inbound', `s${i}`));
    const expected = hops
      .map((h, i) => ({ h, i }))
      .sort(
        (x, y) =>
          x.h.start - y.h.start ||
          Number(x.h.profile.direction === 'inbound') - Number(y.h.profile.direction === 'inbound') ||
          x.i - y.i,
      )
      .map(({ i }) => i);
    expect(callTree(hops, 0).order).toEqual(expected);
    expect(callTree(hops.slice(0, 16), 0).order).toEqual(expected.filter((i) => i < 16));
  });

  it('keeps every hop when one has a direction without a rank (a waypoint)', () => {
    const hops = [hop(3, 'inbound', 'a'), hop(1, 'waypoint', 'w'), hop(2, 'outbound', 'b')];
    expect(callTree(hops, 0).order.map((i) => hops[i].profile.service)).toEqual(['w', 'b', 'a']);
  });
});
