// Metric series prepared for uPlot, in both front ends (the Lab extension and the notebook widget): values that
// are not finite numbers become gaps, long series are thinned (min and max of each bucket kept), several runs are
// aligned on one step axis. Pure: no DOM, no charting library. Never spreads arrays into calls (1M arguments
// overflow the stack).

/** A finite number, or null (a gap) for anything else: null, NaN, ±Infinity, "NaN"/"Infinity" strings, text. */
export function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export interface ISeriesData {
  x: number[];
  y: (number | null)[];
}

/** Smallest and largest finite value, by a loop. null when there is none. */
export function extent(values: ArrayLike<number | null | undefined>): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) {
      if (v < min) {
        min = v;
      }
      if (v > max) {
        max = v;
      }
    }
  }
  return min <= max ? [min, max] : null;
}

export function countFinite(values: ArrayLike<number | null | undefined>): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) {
      count++;
    }
  }
  return count;
}

/** The series in increasing step order (stable; a repeated step keeps its last value). */
export function sortedByStep(series: ISeriesData): ISeriesData {
  const n = series.x.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    sorted = series.x[i - 1] < series.x[i];
  }
  if (sorted) {
    return series;
  }
  const order = Array.from({ length: n }, (_v, i) => i).sort((a, b) => series.x[a] - series.x[b] || a - b);
  const x: number[] = [];
  const y: (number | null)[] = [];
  for (const i of order) {
    if (x.length && x[x.length - 1] === series.x[i]) {
      y[y.length - 1] = series.y[i];
    } else {
      x.push(series.x[i]);
      y.push(series.y[i]);
    }
  }
  return { x, y };
}

/**
 * At most about 2 × `buckets` points: each run of consecutive points keeps its smallest and largest value (in
 * step order), its first gap (so gaps stay visible), and the first and last points of the whole series.
 */
export function thin(series: ISeriesData, buckets: number): ISeriesData {
  const n = series.x.length;
  if (n <= buckets * 2) {
    return series;
  }
  const size = Math.ceil(n / buckets);
  const x: number[] = [];
  const y: (number | null)[] = [];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    let low = -1;
    let high = -1;
    let gap = -1;
    for (let i = start; i < end; i++) {
      const v = series.y[i];
      if (v === null) {
        if (gap < 0) {
          gap = i;
        }
      } else {
        if (low < 0 || v < (series.y[low] as number)) {
          low = i;
        }
        if (high < 0 || v > (series.y[high] as number)) {
          high = i;
        }
      }
    }
    const keep = new Set<number>([low, high, gap]);
    if (start === 0) {
      keep.add(0);
    }
    if (end === n) {
      keep.add(n - 1);
    }
    keep.delete(-1);
    for (const i of Array.from(keep).sort((a, b) => a - b)) {
      x.push(series.x[i]);
      y.push(series.y[i]);
    }
  }
  return { x, y };
}

/**
 * Several series on one step axis, as uPlot takes them: [steps, values of series 1, …]. A step one series lacks
 * is `undefined` there (the line goes on across it); a non-finite value is `null` (a gap in the line).
 */
export function align(series: ISeriesData[]): [number[], ...(number | null | undefined)[][]] {
  const steps = new Set<number>();
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      steps.add(s.x[i]);
    }
  }
  const xs = Array.from(steps).sort((a, b) => a - b);
  if (series.length === 1 && xs.length === series[0].x.length) {
    return [xs, series[0].y.slice()]; // already in step order, one value a step (see sortedByStep)
  }
  const position = new Map<number, number>();
  xs.forEach((x, i) => position.set(x, i));
  const columns = series.map(s => {
    const column: (number | null | undefined)[] = new Array(xs.length).fill(undefined);
    for (let i = 0; i < s.x.length; i++) {
      column[position.get(s.x[i])!] = s.y[i];
    }
    return column;
  });
  return [xs, ...columns];
}

/** Whether a metric is better shown as a number than as a chart: no run has two points to join. */
export function isSingleValue(series: ISeriesData[]): boolean {
  return series.every(s => s.x.length <= 1);
}
