import { describe, it } from 'vitest';
import { bookCases } from './book-cases.ts';
import { fastBook, referenceBook } from './harness.ts';

for (const make of [referenceBook, fastBook]) {
  describe(`${make().name} book`, () => {
    for (const c of bookCases) it(c.name, () => c.run(make()));
  });
}
