import { describe, expect, it } from 'vitest';
import { CommandType, OrderType, Side, TimeInForce } from '../engine/codes.ts';
import { Engine } from '../engine/engine.ts';
import type { RecoveryProgress } from '../engine/engine-protocol.ts';
import { readJournal } from '../persistence/journal.ts';
import { EventCollector, submitAndSettle } from './engine-events.ts';
import { engineScope, stateHashes } from './engine-scope.ts';
import { testSpec } from './fixtures.ts';
import { richStream } from './streams.ts';
import { journalAt } from '../persistence/durability.ts';

const { engines, tempDir } = engineScope();
const hashes = stateHashes;

describe('recovery on start (threaded engine + journal)', () => {
  it('a restarted engine rebuilds identical books and risk from the journal, then carries on', async () => {
    const dir = tempDir('ringmatch-recover-');
    const spec = testSpec();
    const first = await Engine.start(spec, { journal: journalAt(dir) });
    engines.push(first);
    const events = new EventCollector(first);
    await submitAndSettle(first, events, richStream(3_000, 9), 1_700_000_000_000_000);
    const before = await hashes(first, spec.shards);
    const counts = events.perShard.map((e) => e.length);
    engines.splice(0);
    await first.stop();
    counts.forEach((n, k) => expect(readJournal(dir, k).lastSeq).toBe(n));

    const progress: RecoveryProgress[] = [];
    const second = await Engine.start(spec, { journal: journalAt(dir), recover: true, onRecoveryProgress: (p) => progress.push(p) });
    engines.push(second);
    expect(await hashes(second, spec.shards)).toEqual(before);
    expect(progress.filter((p) => p.done).map((p) => [p.agent, p.shard, p.records])).toEqual(
      expect.arrayContaining([['M0', 0, counts[0]], ['M1', 1, counts[1]], ['R', 0, counts[0]], ['R', 1, counts[1]]]),
    );
    // It carries on: sequences continue and the journal stays gapless.
    const after = new EventCollector(second);
    second.submit({ type: CommandType.NEW, symbolId: 0, accountId: 1, side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: 9995, qty: 1, clientOrderId: 'after-restart' });
    await after.until(() => after.perShard[0].length > 0);
    expect(after.perShard[0][0].seq).toBe(counts[0] + 1);
    engines.splice(0);
    await second.stop();
    expect(readJournal(dir, 0)).toMatchObject({ lastSeq: counts[0] + after.perShard[0].length, torn: null });
  });
});
