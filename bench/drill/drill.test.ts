import { describe, expect, it } from 'vitest';
import { drillMarkdown, parseDrillArgs, timelineSvg } from './cli.ts';
import { runDrill } from './drill.ts';
import type { DrillReport } from './drill.ts';

describe('chaos drill (bench/drill)', () => {
  it('parses its flags and refuses bad ones', () => {
    expect(parseDrillArgs(['--quick', '--shards', '3', '--kafka-down', '4', '--no-snapshot'])).toEqual({ opts: { journalEvents: 20_000, settleMs: 500, kafkaDownMs: 4_000, shards: 3, snapshot: false }, out: null });
    expect(() => parseDrillArgs(['--rate', 'x'])).toThrow(/--rate needs a number/);
    expect(() => parseDrillArgs(['--target', 'http://x'])).toThrow(/WebSocket URL/);
    expect(() => parseDrillArgs(['--target', 'ws://127.0.0.1:9001/ws'])).toThrow(/--admin-key and --keys/);
    expect(() => parseDrillArgs(['--bogus'])).toThrow(/unknown flag/);
  });

  it('runs every step against an embedded server: each fault recovered unattended, no acked order lost, nothing shipped missing on the topic', async () => {
    const lines: string[] = [];
    const r = await runDrill({ journalEvents: 5_000, settleMs: 300, kafkaDownMs: 1_000, shards: 2, rate: 100 }, (l) => lines.push(l));
    expect(r.faults.map((f) => f.fault)).toEqual([
      'kill M0 (matching shard 0)', 'kill M1 (matching shard 1)', 'kill R (risk stage)', 'kill J (journal thread)', 'kill K (Kafka thread)',
      'Kafka down for 1 s', 'SIGKILL the process and start it again (5,000+ journaled events)',
    ]);
    for (const f of r.faults) {
      expect(f.recovered, `${f.fault}: ${JSON.stringify(f)}`).toBe(true);
      expect(f.recoveredMs).toBeGreaterThan(0);
    }
    // The process kill is always seen: the server stops answering.
    expect(r.faults[6].detectedMs).not.toBeNull();
    expect(r.recoveredAll).toBe(true);
    expect(r.load.acked).toBeGreaterThan(100);
    expect(r.ackedLost).toBe(0);
    expect(r.kafka).not.toBeNull();
    expect(r.kafka?.missing).toBe(0);
    // What this server shipped itself (the prefilled history counts as shipped before it started).
    expect(r.kafka?.shipped).toBeGreaterThan(100);
    expect(r.timeline.length).toBeGreaterThan(20);
    // The report a person reads.
    const md = drillMarkdown(r);
    expect(md).toContain('| 7 | SIGKILL the process and start it again');
    expect(md).toContain('Acknowledged orders missing from the journal: 0.');
    expect(timelineSvg(r)).toMatch(/^<svg[\s\S]*shard 1[\s\S]*MTTR \d+ ms[\s\S]*<\/svg>$/);
  }, 240_000);

  it('the timeline picture marks every fault and draws one band per shard', () => {
    const r: DrillReport = {
      startedAt: 'x', mode: 'embedded', options: { target: null, adminKey: '', keys: [], shards: 2, journalEvents: 0, rate: 1, settleMs: 0, kafkaDownMs: 0, recoverTimeoutMs: 1, snapshot: true },
      faults: [{ fault: 'kill <M0>', at: 500, detectedMs: 10, recoveredMs: 300, recovered: true, refused: {}, seen: 'x', goalMs: 1000, met: true }],
      load: { sent: 0, acked: 0, refused: {} }, ackedLost: 0, kafka: null, recoveredAll: true,
      timeline: [[0, ['ok', 'ok']], [500, ['failing', 'ok']], [900, ['ok', 'ok']], [1000, ['ok', 'ok']]],
    };
    const svg = timelineSvg(r);
    expect(svg.match(/<rect /g)?.length).toBe(1 + 2 * 3);
    expect(svg).toContain('#c62828'); // failing
    expect(svg).toContain('kill &lt;M0&gt;: MTTR 300 ms');
  });
});
