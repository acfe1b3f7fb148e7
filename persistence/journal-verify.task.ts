/** piscina task: verify one shard's journal (see journal-verify.ts). */
import { verifyShard } from './journal-verify.ts';

export default verifyShard;
