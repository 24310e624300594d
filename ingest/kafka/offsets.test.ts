import { describe, expect, it } from 'vitest';
import { PartitionOffsets } from './offsets.ts';

describe('PartitionOffsets', () => {
  it('commits only past the longest settled run from the front', () => {
    const p = new PartitionOffsets();
    const a = p.add(0, 9, 10);
    const b = p.add(10, 19, 10);
    const c = p.add(20, 29, 10);
    p.settle(b);
    p.settle(c);
    expect(p.toCommit()).toBeUndefined();
    expect(p.inFlightRecords).toBe(10);
    p.settle(a);
    expect(p.toCommit()).toBe(30);
    expect(p.inFlightRecords).toBe(0);
  });

  it('does not offer the same commit twice', () => {
    const p = new PartitionOffsets();
    p.settle(p.add(5, 7, 3));
    expect(p.toCommit()).toBe(8);
    p.committedUpTo(8);
    expect(p.toCommit()).toBeUndefined();
    p.settle(p.add(9, 9, 1));
    expect(p.toCommit()).toBe(10);
  });

  it('follows gaps in offsets (compaction, transaction markers) in fetch order', () => {
    const p = new PartitionOffsets();
    const a = p.add(0, 3, 2);
    const b = p.add(8, 12, 3);
    p.settle(b);
    expect(p.toCommit()).toBeUndefined();
    p.settle(a);
    expect(p.toCommit()).toBe(13);
  });

  it('rewinds a retryable batch and everything fetched after it, keeping the commit point before it', () => {
    const p = new PartitionOffsets();
    const a = p.add(0, 9, 10);
    const b = p.add(10, 19, 10);
    const c = p.add(20, 29, 10);
    p.settle(a);
    p.settle(c);
    expect(p.rewind(b)).toBe(10);
    expect(p.inFlightRecords).toBe(0);
    expect(p.pending).toBe(0);
    // Late settlement of a dropped batch changes nothing: it will be fetched again.
    p.settle(b);
    expect(p.toCommit()).toBe(10);
    // A second failure inside the dropped range seeks nowhere new.
    expect(p.rewind(c)).toBeUndefined();
    const b2 = p.add(10, 29, 20);
    p.settle(b2);
    expect(p.toCommit()).toBe(30);
  });

  it('rewinds to the earliest failure when an earlier batch fails after a later one', () => {
    const p = new PartitionOffsets();
    const a = p.add(0, 9, 10);
    const b = p.add(10, 19, 10);
    expect(p.rewind(b)).toBe(10);
    expect(p.rewind(a)).toBe(0);
    expect(p.pending).toBe(0);
    expect(p.toCommit()).toBeUndefined();
  });
});
