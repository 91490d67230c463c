// src/shared/ is bundled into the notebook widget too: its status constants, durations and uPlot options.
// (tests/test_frontend_status_constants.py checks the statuses against jupyter_estimator/core/status.py.)
import { afterEach, describe, expect, it, vi } from 'vitest';

import { chartOptions, STEP_INCREMENTS } from '../src/shared/chart';
import { duration } from '../src/shared/format';
import { FINAL_STATUSES, isFinal, RUN_STATUSES, STATUS_TONES, toneClass } from '../src/shared/status';

describe('statuses', () => {
  it('gives every status a tone, and knows the final ones', () => {
    expect(Object.keys(STATUS_TONES).sort()).toEqual([...RUN_STATUSES].sort());
    expect([...FINAL_STATUSES].every(status => (RUN_STATUSES as readonly string[]).includes(status))).toBe(true);
    expect(['Completed', 'Failed', 'Canceled'].every(isFinal)).toBe(true);
    expect([null, undefined, '', 'Running', 'CancelRequested', 'Finalizing'].some(isFinal)).toBe(false);
  });

  it('names the class that colours a status', () => {
    expect(toneClass('Running')).toBe('jest-tone-active');
    expect(toneClass('Queued')).toBe('jest-tone-waiting');
    expect(toneClass('CancelRequested')).toBe('jest-tone-canceled');
    expect(toneClass('Failed')).toBe('jest-tone-failed');
    expect(toneClass('Whatever')).toBe('jest-tone-unknown');
    expect(toneClass('toString')).toBe('jest-tone-unknown'); // not an inherited property
    expect(toneClass(null)).toBe('jest-tone-unknown');
  });

  it('says how long a run took, or has run so far', () => {
    expect(duration(null, null)).toBe('–');
    expect(duration(100, 3825)).toBe('1h 2m 5s');
    expect(duration(100, 107)).toBe('7s');
    expect(duration(100, null, 190)).toBe('1m 30s');
    expect(duration(100, 3700, 0)).toBe('1h 0m 0s');
  });
});

describe('chart options', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('draws one line per run over whole-number steps, zooming only when asked', () => {
    vi.stubGlobal('getComputedStyle', () => ({ getPropertyValue: (name: string) => (name === '--jp-ui-font-family' ? 'Roboto' : '') }));
    const lines = [{ label: 'a', color: '#111' }, { label: 'b', color: '#222' }];
    const options = chartOptions({} as Element, { width: 300, height: 150, lines, zoom: false });
    expect(options.series.map(s => [s.label, s.stroke, s.spanGaps])).toEqual([['step', undefined, undefined], ['a', '#111', false], ['b', '#222', false]]);
    expect(options.cursor?.drag).toEqual({ x: false, y: false, setScale: false });
    const [steps, values] = options.axes!;
    expect(steps.incrs).toBe(STEP_INCREMENTS);
    expect(STEP_INCREMENTS.every(increment => Number.isInteger(increment))).toBe(true);
    expect(steps.font).toBe('10px Roboto');
    expect(steps.stroke).toBe('#616161'); // the fallback outside JupyterLab
    const labels = values.values as (u: unknown, splits: number[], axis: number, space: number, increment: number) => string[];
    expect(labels(null, [0.1, 0.15000000000000002, 250000], 1, 0, 0.05)).toEqual(['0.10', '0.15', '250000.00']);
    expect(chartOptions({} as Element, { width: 1, height: 1, lines, zoom: true }).cursor?.drag).toEqual({ x: true, y: false, setScale: true });
  });
});
