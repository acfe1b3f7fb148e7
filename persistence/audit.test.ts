import { describe, expect, it } from 'vitest';
import { EVT_SLOT_WORDS } from '../engine/event-slot.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { testSpec } from '../test/fixtures.ts';
import { richStream } from '../test/streams.ts';
import { Audit } from './audit.ts';
import { encodeEngineEvent } from './event-codec.ts';

describe('audit consumer', () => {
  it('de-duplicates, waits out reordering, flags garbage, and rebuilds the engine\'s state hashes', () => {
    const spec = testSpec();
    const eng = new InlineEngine(spec);
    const records: Uint8Array[] = [];
    eng.onEvent((w, b, k) => records.push(encodeEngineEvent(k, w.slice(b, b + EVT_SLOT_WORDS), 0)));
    for (const c of richStream(2_000, 8)) eng.submit(c);
    const audit = new Audit(spec);
    // A resend of the first 100 (crash between send and bookkeeping) and a swapped pair.
    const feed = [...records.slice(0, 100), ...records.slice(0, 100), ...records.slice(100)];
    [feed[300], feed[301]] = [feed[301], feed[300]];
    feed.splice(500, 0, new Uint8Array([1, 2, 3, 4]));
    const outcomes = feed.map((r) => audit.onRecord(r).kind);
    expect(outcomes.filter((k) => k === 'duplicate')).toHaveLength(100);
    expect(outcomes.filter((k) => k === 'undecodable')).toHaveLength(1);
    expect(audit.counts.applied).toBe(records.length);
    expect(audit.openGaps()).toEqual([]);
    expect(audit.stateHashes()).toEqual(eng.shards.map((s) => s.stateHash()));
  });

  it('reports a gap that is never filled', () => {
    const spec = testSpec({ shards: 1 });
    const eng = new InlineEngine(spec);
    const records: Uint8Array[] = [];
    eng.onEvent((w, b, k) => records.push(encodeEngineEvent(k, w.slice(b, b + EVT_SLOT_WORDS), 0)));
    for (const c of richStream(200, 3)) eng.submit(c);
    const audit = new Audit(spec);
    records.forEach((r, i) => { if (i !== 10) audit.onRecord(r); });
    expect(audit.gaps[0]).toEqual({ shard: 0, expected: 11, got: 12 });
    expect(audit.openGaps()).toEqual([{ shard: 0, missingFrom: 11, waiting: records.length - 11 }]);
  });
});
