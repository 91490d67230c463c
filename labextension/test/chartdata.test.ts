import { describe, expect, it } from 'vitest';

import { coloredRuns, runColor } from '../src/chartdata';
import { align, countFinite, extent, finiteOrNull, isSingleValue, sortedByStep, thin } from '../src/shared/series';

describe('colours', () => {
  it('a run keeps its colour in a chart where the runs before it have no values', () => {
    const runs = [
      { runId: 'run-1', label: 'run-1' },
      { runId: 'run-2', label: 'run-2' },
      { runId: 'run-3', label: 'run-3' }
    ];
    const extra = coloredRuns(runs, id => (id === 'run-3' ? [1, 2] : undefined));
    const legend = coloredRuns(runs, () => true);
    expect(extra).toHaveLength(1);
    expect(extra[0].color).toBe(legend[2].color);
    expect(extra[0].color).not.toBe(legend[0].color);
  });

  it('gives distinct colours to many runs', () => {
    const colours = Array.from({ length: 40 }, (_v, i) => runColor(i));
    expect(new Set(colours).size).toBe(40);
    expect(runColor(3)).toBe(runColor(3));
  });
});

describe('values', () => {
  it('anything but a finite number is a gap', () => {
    for (const value of [null, undefined, NaN, Infinity, -Infinity, 'NaN', 'Infinity', '-Infinity', 'nan', true, '1.5', {}]) {
      expect(finiteOrNull(value)).toBeNull();
    }
    expect(finiteOrNull(0)).toBe(0);
    expect(finiteOrNull(-2.5)).toBe(-2.5);
  });

  it('finds the extent of a million values without spreading them into a call', () => {
    const values = new Array<number | null>(1_000_000);
    for (let i = 0; i < values.length; i++) {
      values[i] = i % 7 === 0 ? null : Math.sin(i) * 10;
    }
    values[500_000] = -99;
    values[999_999] = 123;
    expect(extent(values)).toEqual([-99, 123]);
    expect(extent([null, undefined])).toBeNull();
    expect(countFinite([1, null, 2, undefined])).toBe(2);
    // eslint-disable-next-line no-restricted-syntax -- showing why extent() loops
    expect(() => Math.min(...(values as number[]))).toThrow(RangeError);
  });
});

describe('thinning', () => {
  it('keeps each bucket\'s smallest and largest value, its gaps, and the ends', () => {
    const n = 1_000_000;
    const x = new Array<number>(n);
    const y = new Array<number | null>(n);
    for (let i = 0; i < n; i++) {
      x[i] = i;
      y[i] = (i % 1000) / 1000;
    }
    y[400_123] = 50; // a spike
    y[700_001] = null; // a gap
    const thinned = thin({ x, y }, 1000);
    expect(thinned.x.length).toBeLessThanOrEqual(3002);
    expect(thinned.x[0]).toBe(0);
    expect(thinned.x[thinned.x.length - 1]).toBe(n - 1);
    expect(thinned.y).toContain(50);
    expect(thinned.x[thinned.y.indexOf(null)]).toBe(700_001);
    expect(extent(thinned.y)).toEqual([0, 50]);
    for (let i = 1; i < thinned.x.length; i++) {
      expect(thinned.x[i]).toBeGreaterThan(thinned.x[i - 1]);
    }
  });

  it('leaves a short series alone', () => {
    const series = { x: [0, 1, 2], y: [1, null, 3] };
    expect(thin(series, 10)).toBe(series);
  });

  it('puts steps in order, a repeated step keeping its last value', () => {
    expect(sortedByStep({ x: [2, 0, 1, 1], y: [20, 0, 10, 11] })).toEqual({ x: [0, 1, 2], y: [0, 11, 20] });
  });
});

describe('align', () => {
  it('puts runs on one step axis: a step a run lacks is undefined, a gap stays null', () => {
    const [steps, a, b] = align([
      { x: [0, 2, 4], y: [1, null, 3] },
      { x: [1, 2], y: [5, 6] }
    ]);
    expect(steps).toEqual([0, 1, 2, 4]);
    expect(a).toEqual([1, undefined, null, 3]);
    expect(b).toEqual([undefined, 5, 6, undefined]);
  });

  it('tells a single value from a series', () => {
    expect(isSingleValue([{ x: [0], y: [0.97] }])).toBe(true);
    expect(isSingleValue([{ x: [0], y: [1] }, { x: [], y: [] }])).toBe(true);
    expect(isSingleValue([{ x: [0, 1], y: [1, 2] }])).toBe(false);
  });
});
