import { describe, expect, it } from 'vitest';

import { changedNames, SeriesSchedule } from '../src/seriesfollow';
import { IMetricSeries } from '../src/types';

function line(count: number, last: unknown, nonfinite = 0): IMetricSeries {
  const x = Array.from({ length: Math.min(count, 1000) }, (_v, i) => i);
  return { kind: 'line', x, y: x.map(() => 1), count, nonfinite, last };
}

describe('series schedule', () => {
  it('asks at once, then not while a request is out', () => {
    const schedule = new SeriesSchedule(2000, 4);
    expect(schedule.shouldAsk(0, false)).toBe(true);
    schedule.started(0, false);
    expect(schedule.shouldAsk(10, false)).toBe(false);
    expect(schedule.shouldAsk(10, true)).toBe(false); // not twice, even once final
    expect(schedule.loaded).toBe(false);
  });

  it('waits longer after a slow answer, while the run is live', () => {
    const schedule = new SeriesSchedule(2000, 4);
    schedule.started(0, false);
    schedule.finished(100, true);
    expect(schedule.loaded).toBe(true);
    expect(schedule.complete).toBe(false);
    expect(schedule.shouldAsk(2099, false)).toBe(false);
    expect(schedule.shouldAsk(2100, false)).toBe(true); // at least the minimum interval
    schedule.started(3000, false);
    schedule.finished(4000, true); // a slow one: 1 s
    expect(schedule.shouldAsk(7999, false)).toBe(false);
    expect(schedule.shouldAsk(8000, false)).toBe(true); // four times what it took
  });

  it('asks once more, at once, when the run turns final, and then never again', () => {
    const schedule = new SeriesSchedule(2000, 4);
    schedule.started(0, false);
    schedule.finished(50, true);
    expect(schedule.shouldAsk(60, true)).toBe(true); // the last records: no waiting
    schedule.started(60, true);
    schedule.finished(80, true);
    expect(schedule.complete).toBe(true);
    expect(schedule.shouldAsk(100_000, true)).toBe(false);
  });

  it('a failed request is asked again after a wait, and does not count as the final answer', () => {
    const schedule = new SeriesSchedule(2000, 4);
    schedule.started(0, true);
    schedule.finished(10, false);
    expect(schedule.complete).toBe(false);
    expect(schedule.loaded).toBe(false);
    expect(schedule.shouldAsk(20, false)).toBe(false);
    expect(schedule.shouldAsk(20, true)).toBe(false); // not at every refresh, even for a final run
    expect(schedule.shouldAsk(2010, true)).toBe(true);
    schedule.started(2010, true);
    schedule.finished(2020, true);
    expect(schedule.complete).toBe(true);
  });
});

describe('changed metrics', () => {
  it('names new, grown, changed and gone metrics only', () => {
    const before = new Map<string, IMetricSeries>([
      ['same', line(5, 0.5)],
      ['grown', line(5, 0.5)],
      ['gone', line(1, 1)],
      ['note', { kind: 'text', count: 1, last: 'a' }],
      ['table', { kind: 'table', count: 1, last: { a: [1, 'NaN'] } }]
    ]);
    const after = new Map<string, IMetricSeries>([
      ['same', line(5, 0.5)],
      ['grown', line(6, 'NaN', 1)],
      ['new', line(1, 'Infinity', 1)],
      ['note', { kind: 'text', count: 1, last: 'b' }],
      ['table', { kind: 'table', count: 1, last: { a: [1, 'NaN'] } }]
    ]);
    expect(changedNames(before, after).sort()).toEqual(['gone', 'grown', 'new', 'note']);
  });

  it('compares a million-point answer by its counts, not point by point', () => {
    const before = new Map([['big', line(1_000_000, 0.5)]]);
    const after = new Map([['big', line(1_000_001, 0.5)]]);
    expect(changedNames(before, after)).toEqual(['big']);
    expect(changedNames(after, new Map([['big', line(1_000_001, 0.5)]]))).toEqual([]);
  });
});
