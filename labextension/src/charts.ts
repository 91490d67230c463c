// Metric charts drawn with uPlot (bundled from npm): a step axis, gridlines, rounded tick labels, a tooltip
// with the step and each run's value, gaps where values are not finite. A metric with no two points to join is
// shown as a number. Several runs overlay on one chart, each in its run's colour. Under the name, a summary:
// the last value (NaN and ±Infinity as text), how many points were logged and how many were not finite.
// A chart is drawn only once it comes near the view (a run with 1000 metrics draws the few on screen first).
import uPlot from 'uplot';

import { element } from './api';
import { align, countFinite, ISeriesData, isSingleValue, sortedByStep, thin } from './chartdata';
import { formatNumber, formatValue, metricSummary, tickLabel } from './format';

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

function themeColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

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
  private readonly tooltip = element('div', { class: 'jest-lab-tooltip' });
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
    this.plot = new uPlot(this.options(runs), data, chart);
    this.plot.over.append(this.tooltip);
  }

  private options(runs: IRunSeries[]): uPlot.Options {
    const text = themeColor('--jp-ui-font-color2', '#616161');
    const grid = { stroke: 'rgba(128, 128, 128, 0.25)', width: 1 };
    const ticks = { stroke: 'rgba(128, 128, 128, 0.5)', width: 1, size: 4 };
    const labels = (_u: uPlot, splits: number[], _axis: number, _space: number, increment: number) =>
      splits.map(value => tickLabel(value, increment));
    return {
      width: WIDTH,
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      scales: { x: { time: false } },
      axes: [
        { label: 'step', labelSize: 16, size: 28, stroke: text, grid, ticks, values: labels, font: '10px sans-serif', labelFont: '10px sans-serif' },
        { size: 52, stroke: text, grid, ticks, values: labels, font: '10px sans-serif' }
      ],
      series: [{ label: 'step' }, ...runs.map(run => ({ label: run.label, stroke: run.color, width: 2, spanGaps: false }))],
      hooks: { setCursor: [(u: uPlot) => this.moveTooltip(u)] }
    };
  }

  private moveTooltip(u: uPlot): void {
    const index = u.cursor.idx;
    const left = u.cursor.left ?? -1;
    const top = u.cursor.top ?? -1;
    if (index === null || index === undefined || left < 0) {
      this.tooltip.style.display = 'none';
      return;
    }
    const many = this.series.length > 1;
    const rows = this.series.map((run, i) => {
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
    this.tooltip.replaceChildren(element('div', { class: 'jest-lab-tooltip-step' }, `step ${formatNumber(u.data[0][index], 8)}`), ...rows);
    this.tooltip.style.display = 'block';
    const width = this.tooltip.offsetWidth;
    const height = this.tooltip.offsetHeight;
    const x = left + 12 + width > u.over.clientWidth ? Math.max(0, left - 12 - width) : left + 12;
    const y = top + 12 + height > u.over.clientHeight ? Math.max(0, top - 12 - height) : top + 12;
    this.tooltip.style.transform = `translate(${x}px, ${y}px)`;
  }
}

function shorten(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
