import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecimalError, DecimalProblem, formatExact, formatUnits, parseExact, parseStep, stepRatio, toUnits, unitsOf } from './decimal.ts';
import { ConfigError, compileConfig, demoConfig } from './config.ts';

const cent = parseStep('0.01', 'tick');

describe('exact decimals', () => {
  it('parses on-grid values exactly and formats them back', () => {
    expect(toUnits('101.25', cent, 'price')).toBe(10125);
    expect(toUnits('101.2500', cent, 'price')).toBe(10125);
    expect(toUnits('0.07', cent, 'price')).toBe(7);
    expect(formatUnits(10125, cent)).toBe('101.25');
    expect(formatUnits(10100, cent)).toBe('101');
    expect(toUnits('1.5', parseStep('0.5', 'lot'), 'qty')).toBe(3);
    expect(formatUnits(3, parseStep('0.5', 'lot'))).toBe('1.5');
  });

  it('refuses instead of rounding', () => {
    expect(() => toUnits('101.255', cent, 'price')).toThrow(/not a multiple of 0.01/);
    expect(() => toUnits('0.1', cent, 'price') && toUnits('0.015', cent, 'price')).toThrow(DecimalError);
    for (const bad of ['1e3', ' 1', '1.', '.5', '0x10', '', '1,5', 'NaN', '-1', '01.2.3']) {
      expect(() => toUnits(bad, cent, 'price'), bad).toThrow(DecimalError);
    }
    expect(() => toUnits('0', cent, 'price')).toThrow(/greater than zero/);
    expect(() => toUnits('45035996273704.96', cent, 'price')).toThrow(/too large/);
  });

  it('the order path\'s unitsOf agrees with toUnits on every input: the same units or the same refusal (property)', () => {
    const same = (text: string, stepText: string): void => {
      const step = parseStep(stepText, 'step');
      const fast = unitsOf(text, step, 'price');
      let slow: number | DecimalProblem;
      try {
        slow = toUnits(text, step, 'price');
      } catch (e) {
        slow = new DecimalProblem((e as DecimalError).message, (e as DecimalError).kind);
      }
      expect(fast, `${text} / ${stepText}`).toEqual(slow);
    };
    for (const t of ['101.25', '101.255', '0', '0.00', '1e3', '.5', '5.', '-1', '00012.50', '9007199254740993', '45035996273704.95', '45035996273704.96', '', '1..2', 'x']) {
      for (const st of ['0.01', '1', '0.5', '25', '0.0001']) same(t, st);
    }
    const digitString = fc.stringMatching(/^-?\d{1,18}(\.\d{1,18})?$/);
    fc.assert(fc.property(fc.oneof(digitString, fc.string({ maxLength: 20 })), fc.constantFrom('0.01', '0.0001', '1', '0.5', '25', '0.000001'), (text, st) => same(text, st)), { numRuns: 3_000 });
  });

  it('round-trips any on-grid value (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 52 - 1 }), fc.constantFrom('0.01', '0.0001', '1', '0.5', '25'), (units, stepText) => {
      const step = parseStep(stepText, 'step');
      expect(toUnits(formatUnits(units, step), step, 'v')).toBe(units);
    }));
  });

  it('formats through the fast number path exactly as through BigInt (property)', () => {
    const steps = ['1', '0.01', '0.0001', '0.5', '0.25', '0.001', '0.00000001', '5', '0.000000000000001'].map((t) => parseStep(t, 'lot'));
    fc.assert(fc.property(fc.integer({ min: 0, max: steps.length - 1 }), fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), (k, units) => {
      const step = steps[k];
      const big = BigInt(units) * step.mantissa;
      expect(formatUnits(units, step)).toBe(formatExact({ mantissa: big < 0n ? -big : big, scale: step.scale, negative: big < 0n }));
    }), { numRuns: 5_000 });
    expect(formatUnits(7, parseStep('0.001', 'lot'))).toBe('0.007');
    expect(formatUnits(-1050, cent)).toBe('-10.5');
  });

  it('computes step ratios exactly', () => {
    expect(stepRatio(cent, parseExact('0.0001'), parseExact('0.00000001'))).toBe(100n);
    expect(stepRatio(cent, parseExact('0.001'), parseExact('0.01'))).toBeNull();
  });
});

describe('config', () => {
  it('compiles the demo config', () => {
    const spec = compileConfig(demoConfig());
    expect(spec.symbols[0]).toMatchObject({ name: 'BTC-USD', referencePrice: 5_000_000, bandBps: 1000, maxOrderQty: 1_000_000, notionalPerTickLot: 100 });
    expect(spec.accounts[0].maxPosition[0]).toBe(10_000_000);
  });

  it('names the field and the fix', () => {
    const bad = demoConfig();
    bad.symbols[1].tickSize = '0.015x';
    expect(() => compileConfig(bad)).toThrow(ConfigError);
    expect(() => compileConfig(bad)).toThrow(/symbols\[1\]\.tickSize/);
    const dup = demoConfig();
    dup.accounts[1].apiKey = dup.accounts[0].apiKey;
    expect(() => compileConfig(dup)).toThrow(/accounts\[1\]\.apiKey/);
    const tiny = demoConfig();
    tiny.notionalDecimals = 2;
    expect(() => compileConfig(tiny)).toThrow(/raise notionalDecimals/);
    expect(() => compileConfig({ ...demoConfig(), ringCapacity: 1000 })).toThrow(/power of two/);
  });
});
