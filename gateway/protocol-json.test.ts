import { describe, expect, it } from 'vitest';
import { InlineEngine } from '../engine/inline-engine.ts';
import { EventType } from '../engine/codes.ts';
import { EVT_SYMBOL, EVT_TYPE } from '../engine/event-slot.ts';
import { testSpec } from '../test/fixtures.ts';
import { richStream } from '../test/streams.ts';
import { makerReportFromEvent, reportFromEvent, reportJson } from './protocol.ts';

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

  it('escapes what needs escaping', () => {
    const r = reportFromEvent(new Int32Array(64), 0, undefined, undefined);
    r.clientOrderId = 'a"b\\c\u0001';
    expect(JSON.parse(reportJson(r)).clientOrderId).toBe('a"b\\c\u0001');
  });
});
