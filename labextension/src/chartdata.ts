// Run colours for the Lab extension's charts: each run keeps one colour in every chart, the legend and the
// tooltip. (How a series becomes uPlot data is in shared/series.ts, which the notebook widget bundles too.)

/** One colour per run, by the run's place in the view: the same in every chart, the legend and the tooltip. */
export const RUN_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];

export function runColor(index: number): string {
  if (index < RUN_COLORS.length) {
    return RUN_COLORS[index];
  }
  const hue = Math.round((index * 137.508) % 360); // golden angle: far from the colours before it
  return `hsl(${hue}, 65%, 45%)`;
}

export interface IColoredRun {
  runId: string;
  label: string;
  color: string;
}

/**
 * The runs that have a metric, each in its own colour: the colour comes from the run's place among all the
 * view's runs, not from its place among the runs that logged this metric, so a run looks the same everywhere.
 */
export function coloredRuns<T>(runs: { runId: string; label: string }[], lookup: (runId: string) => T | undefined): (IColoredRun & { value: T })[] {
  const result: (IColoredRun & { value: T })[] = [];
  runs.forEach((run, index) => {
    const value = lookup(run.runId);
    if (value !== undefined) {
      result.push({ runId: run.runId, label: run.label, color: runColor(index), value });
    }
  });
  return result;
}
