// Metric charts drawn with uPlot (bundled from npm): a step axis, gridlines, rounded tick labels, a tooltip
// with the step and each run's value, gaps where values are not finite. A metric with no two points to join is
// shown as a number. Several runs overlay on one chart, each in its run's colour. Under the name, a summary:
// the last value (NaN and ±Infinity as text), how many points were logged and how many were not finite.
// A chart is drawn only once it comes near the view (a run with 1000 metrics draws the few on screen first).
// The uPlot setup, tooltip and series preparation are shared/ (the notebook widget draws with them too).
import uPlot from 'uplot';

import { element } from './api';
import { metricSummary } from './format';
import { chartOptions, tooltipPlugin } from './shared/chart';
import { formatNumber, formatValue } from './shared/format';
import { align, countFinite, ISeriesData, isSingleValue, sortedByStep, thin } from './shared/series';

/** What a chart draws for one run. */
export interface IRunSeries {
  runId: string;
  label: string;
  color: string;
  data: ISeriesData;
  /** The last value logged (shown as a number when there is nothing to chart). */
  last: unknown;
  /** Points logged (the data may be thinned to fewer); the data's length when not given. */
  count?: number;
  /** How many of the points logged were not finite numbers. */
  nonfinite?: number;
}

const WIDTH = 380;
const HEIGHT = 200;
const BUCKETS = 1500; // a long series is thinned to about 2 × BUCKETS points (min and max of each bucket)

export function swatch(color: string): HTMLElement {
  return element('span', { class: 'jest-lab-swatch', style: `background-color: ${color}` });
}

/** The runs and their colours, once for all the charts of a view. */
export function legend(runs: { runId: string; label: string; color: string }[]): HTMLElement {
  return element(
    'div',
    { class: 'jest-lab-legend' },
    ...runs.map(run => element('span', { class: 'jest-lab-legend-item', 'data-run-id': run.runId, title: run.runId }, swatch(run.color), run.label))
  );
}

export class MetricChart {
  readonly node: HTMLElement;
  private readonly summary = element('div', { class: 'jest-lab-metric-summary' });
  private readonly body = element('div', { class: 'jest-lab-metric-body' });
  private plot: uPlot | null = null;
  private plotKey = '';
  private series: IRunSeries[] = [];
  private near = typeof IntersectionObserver === 'undefined'; // without the observer: draw at once
  private pending: IRunSeries[] | null = null;

  constructor(readonly name: string) {
    this.node = element(
      'div',
      { class: 'jest-lab-metric', 'data-metric': name },
      element('div', { class: 'jest-lab-metric-name' }, name),
      this.summary,
      this.body
    );
  }

  update(runs: IRunSeries[]): void {
    const shown = runs.filter(run => run.data.x.length > 0 || run.last !== undefined);
    const charted = shown.filter(run => run.data.x.length > 0);
    if (!charted.length || isSingleValue(charted.map(run => run.data)) || charted.every(run => countFinite(run.data.y) === 0)) {
      this.pending = null;
      this.summary.replaceChildren();
      this.showValues(shown);
      return;
    }
    this.showSummary(charted);
    if (!this.near) {
      this.pending = charted; // drawn when it comes near the view (see setNear)
      if (!this.plot && !this.body.querySelector('.jest-lab-chart-placeholder')) {
        this.body.replaceChildren(element('div', { class: 'jest-lab-chart-placeholder' }));
      }
      return;
    }
    this.pending = null;
    this.showChart(charted);
  }

  /** Whether the chart is in or near the view (an IntersectionObserver of the view says so). */
  setNear(near: boolean): void {
    this.near = near;
    if (near && this.pending) {
      const runs = this.pending;
      this.pending = null;
      this.showChart(runs);
    }
  }

  dispose(): void {
    this.plot?.destroy();
    this.plot = null;
  }

  private showSummary(runs: IRunSeries[]): void {
    const text = (run: IRunSeries) => metricSummary(run.last, run.count ?? run.data.x.length, run.nonfinite ?? 0);
    if (runs.length === 1) {
      this.summary.replaceChildren(text(runs[0]));
      return;
    }
    this.summary.replaceChildren(
      ...runs.map(run =>
        element('div', { class: 'jest-lab-metric-summary-row', 'data-run-id': run.runId, title: run.label }, swatch(run.color), text(run))
      )
    );
  }

  private showValues(runs: IRunSeries[]): void {
    this.dispose();
    this.plotKey = '';
    const many = runs.length > 1;
    this.body.replaceChildren(
      ...runs.map(run => {
        const value = element('span', { class: 'jest-lab-metric-value' }, shorten(formatValue(run.last)));
        return many ? element('div', { class: 'jest-lab-metric-value-row', 'data-run-id': run.runId }, swatch(run.color), value) : value;
      })
    );
  }

  private showChart(runs: IRunSeries[]): void {
    const prepared = runs.map(run => thin(sortedByStep(run.data), BUCKETS));
    const data = align(prepared) as uPlot.AlignedData;
    const key = runs.map(run => `${run.runId} ${run.color}`).join('\n');
    this.series = runs;
    if (this.plot && key === this.plotKey) {
      this.plot.setData(data);
      return;
    }
    this.dispose();
    this.plotKey = key;
    const chart = element('div', { class: 'jest-lab-chart' });
    this.body.replaceChildren(chart);
    const lines = runs.map(run => ({ label: run.label, color: run.color }));
    const tooltip = tooltipPlugin('jest-lab-tooltip', (u, index) => this.tooltipRows(u, index));
    this.plot = new uPlot(chartOptions(document.body, { width: WIDTH, height: HEIGHT, lines, zoom: true, plugins: [tooltip] }), data, chart);
  }

  /** The tooltip's rows for the step at `index`: each run's value there (a gap where it was not finite). */
  private tooltipRows(u: uPlot, index: number): HTMLElement[] {
    const many = this.series.length > 1;
    return this.series.map((run, i) => {
      const value = (u.data[i + 1] as (number | null | undefined)[])[index];
      const text = value === undefined ? '–' : value === null ? 'gap' : formatNumber(value);
      return element(
        'div',
        { class: 'jest-lab-tooltip-row', 'data-run-id': run.runId },
        swatch(run.color),
        ...(many ? [element('span', { class: 'jest-lab-tooltip-label' }, run.label)] : []),
        element('span', { class: 'jest-lab-tooltip-value' }, text)
      );
    });
  }
}

function shorten(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
