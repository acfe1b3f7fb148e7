import { OrderFrameDecoder } from './gateway/json-lane.ts';
import { SIDES, ORDER_TYPES, TIFS, STPS } from './gateway/protocol.ts';
import { testSpec } from './test/fixtures.ts';
import { CMD_END } from './engine/command-slot.ts';
const spec = testSpec();
const dec = new OrderFrameDecoder(spec, { sides: SIDES, orderTypes: ORDER_TYPES, tifs: TIFS, stps: STPS });
const f = new Uint8Array(Buffer.from('{"type":"new_order","id":1,"symbol":"AAA","clientOrderId":"o-1","side":"buy","price":"100.25","quantity":"3","timeInForce":"IOC"}'));
const slot = new Int32Array(CMD_END);
let acc = 0;
for (let r = 0; r < 8; r++) { const t = process.hrtime.bigint(); for (let i = 0; i < 1e5; i++) acc += dec.decode(f, 1, i, slot, 0); console.log('decode ns', Number(process.hrtime.bigint() - t) / 1e5); }
