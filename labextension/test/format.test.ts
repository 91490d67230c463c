import { describe, expect, it } from 'vitest';

import { formatCount, metricSummary, shortRunId, splitRunId } from '../src/format';
import { formatNumber, formatValue, tickLabel } from '../src/shared/format';

describe('format', () => {
  it('rounds numbers for reading', () => {
    expect(formatNumber(0.3333333333)).toBe('0.3333');
    expect(formatNumber(0.973123)).toBe('0.9731');
    expect(formatNumber(12)).toBe('12');
    expect(formatNumber(0.1)).toBe('0.1');
    expect(formatNumber(1234567.89)).toBe('1235000');
    expect(formatValue('NaN')).toBe('NaN');
    expect(formatValue(null)).toBe('');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
  });

  it('labels ticks with the decimals of their increment', () => {
    expect(tickLabel(0.15000000000000002, 0.05)).toBe('0.15');
    expect(tickLabel(0.30000000000000004, 0.1)).toBe('0.3');
    expect(tickLabel(2.5, 2.5)).toBe('2.5');
    expect(tickLabel(-1e-17, 0.2)).toBe('0.0');
    expect(tickLabel(250000, 50000)).toBe('250k');
    expect(tickLabel(1500000, 500000)).toBe('1.5M');
    expect(tickLabel(3, 1)).toBe('3');
  });

  it('keeps the end of a run id, which tells runs of an experiment apart', () => {
    expect(splitRunId('my_long_experiment_1700000000_ab12cd34')).toEqual({ head: 'my_long_experiment_', tail: '1700000000_ab12cd34' });
    expect(splitRunId('short')).toEqual({ head: '', tail: 'short' });
    expect(shortRunId('exp_1700000000_ab12cd34')).toBe('ab12cd34');
  });

  it('summarises a metric: the last value (non-finite as text), the points logged, the ones not finite', () => {
    expect(formatCount(1_000_000)).toBe('1,000,000');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1000)).toBe('1,000');
    expect(metricSummary(0.25, 1_000_000)).toBe('last 0.25 · 1,000,000 points');
    expect(metricSummary('NaN', 10, 4)).toBe('last NaN · 10 points · 4 not finite');
    expect(metricSummary('-Infinity', 1, 1)).toBe('last -Infinity · 1 point · 1 not finite');
    expect(metricSummary(Infinity, 2, 1)).toBe('last Infinity · 2 points · 1 not finite');
  });
});
