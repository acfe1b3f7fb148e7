import { describe, expect, it } from 'vitest';
import { InlineEngine } from '../engine/inline-engine.ts';
import { EventType } from '../engine/codes.ts';
import { EVT_SYMBOL, EVT_TYPE } from '../engine/event-slot.ts';
import { testSpec } from '../test/fixtures.ts';
import { richStream } from '../test/streams.ts';
import { makerReportFromEvent, reportFromEvent, reportJson, reportUnits } from './protocol.ts';
import { decodeServerEnvelope, encodeBinary, encodeReportEnvelope } from './proto-codec.ts';

describe('reportJson (hand-built JSON of execution reports)', () => {
  it('says exactly what JSON.stringify says, for every event of a rich stream, with and without a request id', () => {
    const spec = testSpec();
    const eng = new InlineEngine(spec);
    const types = new Set<number>();
    let n = 0;
    eng.onEvent((w, b) => {
      const type = w[b + EVT_TYPE];
      if (type === EventType.ADMIN || type === EventType.MASS_CANCEL_DONE) return;
      types.add(type);
      const sym = spec.symbols[w[b + EVT_SYMBOL]];
      const r = reportFromEvent(w, b, sym, undefined);
      expect(JSON.parse(reportJson(r))).toEqual(JSON.parse(JSON.stringify(r)));
      const id = n % 2 ? n : `req-"${n}"\\`;
      expect(JSON.parse(reportJson(r, id))).toEqual(JSON.parse(JSON.stringify({ ...r, id })));
      if (type === EventType.TRADE) {
        const m = makerReportFromEvent(w, b, sym);
        expect(JSON.parse(reportJson(m))).toEqual(JSON.parse(JSON.stringify(m)));
      }
      n++;
    });
    for (const c of richStream(3_000, 17)) eng.submit(c);
    expect(n).toBeGreaterThan(3_000);
    expect([...types].sort()).toEqual([EventType.ACCEPTED, EventType.TRADE, EventType.CANCELED, EventType.REPLACED, EventType.REJECTED, EventType.EXPIRED].sort());
  });

  it('the direct binary report Envelope decodes to what the generic encoder produces (taker and maker reports, with and without id)', () => {
    const spec = testSpec();
    const bySym = new Map(spec.symbols.map((x) => [x.name, x]));
    const eng = new InlineEngine(spec);
    let n = 0;
    eng.onEvent((w, b) => {
      const type = w[b + EVT_TYPE];
      if (type === EventType.ADMIN || type === EventType.MASS_CANCEL_DONE) return;
      const sym = spec.symbols[w[b + EVT_SYMBOL]];
      const u = reportUnits();
      const r = reportFromEvent(w, b, sym, undefined, u);
      const id = n % 3 === 0 ? undefined : n % 3 === 1 ? n : `req-${n}`;
      const generic = decodeServerEnvelope(encodeBinary((id === undefined ? r : { ...r, id }) as unknown as Record<string, unknown>, (name) => bySym.get(name)));
      expect(decodeServerEnvelope(encodeReportEnvelope(r, u, id))).toEqual(generic);
      if (type === EventType.TRADE) {
        const mu = reportUnits();
        const m = makerReportFromEvent(w, b, sym, mu);
        expect(decodeServerEnvelope(encodeReportEnvelope(m, mu, undefined))).toEqual(decodeServerEnvelope(encodeBinary(m as unknown as Record<string, unknown>, (name) => bySym.get(name))));
      }
      n++;
    });
    for (const c of richStream(2_000, 23)) eng.submit(c);
    expect(n).toBeGreaterThan(2_000);
  });

  it('escapes what needs escaping', () => {
    const r = reportFromEvent(new Int32Array(64), 0, undefined, undefined);
    r.clientOrderId = 'a"b\\c\u0001';
    expect(JSON.parse(reportJson(r)).clientOrderId).toBe('a"b\\c\u0001');
  });
});
