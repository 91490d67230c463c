// The run view, a run's home page: status with Cancel, Re-submit and TensorBoard buttons, the overview (system
// properties folded under "System"), a chart per metric, the log following live (a picker per log file), files
// and child runs. With several runs it compares them: one colour per run in every chart, and a table of
// parameters and final metric values. It follows live runs while attached and stops once they are final.
// Metrics come from the server's thinned series (one request a run; see seriesfollow.ts for live runs).
import { Widget } from '@lumino/widgets';

import { ApiError, element, ILogChunk, IMetricSeries, IRun, IRunPage, ISeriesAnswer, query, request, runPath } from './api';
import { coloredRuns } from './chartdata';
import { IRunSeries, legend, MetricChart } from './charts';
import { duration } from './shared/format';
import { isFinal as isFinalStatus, toneClass } from './shared/status';
import { LogFollower } from './logfollow';
import { childList, compareView, fileList, overview } from './runsections';
import { changedNames, SeriesSchedule } from './seriesfollow';

/** What the buttons do (the plugin's commands). */
export interface IRunActions {
  cancel(id: string): Promise<void>;
  resubmit(id: string): Promise<void>;
  tensorboard(ids: string[]): Promise<void>;
  open(id: string): void;
}

interface IMetricState {
  schedule: SeriesSchedule;
  series: Map<string, IMetricSeries>;
  error: string;
}

const DEFAULT_LOG = 'user_logs/std_log.txt';
/** Points a metric is thinned to on the server: a chart is 380 px wide, so this is over 2 a pixel. */
const SERIES_POINTS = 1000;

export class RunView extends Widget {
  private readonly runs = new Map<string, IRun>();
  private readonly metrics = new Map<string, IMetricState>();
  private readonly charts = new Map<string, MetricChart>();
  private readonly dirty = new Set<string>();
  private readonly nearObserver: IntersectionObserver | null;
  private timer = 0;
  private lastFiles = '';
  private readonly header = element('div', { class: 'jest-lab-view-header' });
  private readonly runLine = element('span', { class: 'jest-lab-view-runs' });
  private readonly buttons: Record<'cancel' | 'resubmit' | 'tensorboard', HTMLButtonElement>;
  private readonly message = element('div', { class: 'jest-lab-message' });
  private readonly overview = element('div', { class: 'jest-lab-overview' });
  private readonly legendBox = element('div', { class: 'jest-lab-legend-box' });
  private readonly metricsError = element('div', { class: 'jest-lab-error jest-lab-metrics-error' });
  private readonly chartBox = element('div', { class: 'jest-lab-charts' });
  private readonly logSelect = element('select', { class: 'jest-lab-log-select' });
  private readonly log = element('pre', { class: 'jest-lab-log' });
  private readonly files = element('div', { class: 'jest-lab-files' });
  private readonly childBox = element('div', { class: 'jest-lab-children' });
  private readonly follower: LogFollower;

  constructor(
    readonly runIds: string[],
    private readonly actions: IRunActions
  ) {
    super();
    this.addClass('jest-lab-run-view');
    this.id = `jest-run-${runIds.join('-').slice(0, 200)}`;
    this.node.dataset.runIds = runIds.join(',');
    this.title.label = runIds.length === 1 ? runIds[0] : `Compare ${runIds.length} runs`;
    this.title.caption = runIds.join('\n');
    this.title.closable = true;
    const single = runIds.length === 1;
    this.buttons = {
      cancel: this.button('cancel', 'Cancel', 'Cancel the run', () => this.actions.cancel(this.runIds[0])),
      resubmit: this.button('resubmit', 'Re-submit', 'Submit again: same snapshot, arguments, environment and target', () =>
        this.actions.resubmit(this.runIds[0])
      ),
      tensorboard: this.button('tensorboard', 'TensorBoard', "Open TensorBoard on the runs' logs/ folders", () => this.actions.tensorboard(this.runIds))
    };
    const shown = single ? [this.buttons.cancel, this.buttons.resubmit, this.buttons.tensorboard] : [this.buttons.tensorboard];
    this.header.append(this.runLine, element('span', { class: 'jest-lab-actions' }, ...shown));
    this.node.append(this.header, this.message, this.overview, element('h3', {}, 'Metrics'), this.metricsError, this.legendBox, this.chartBox);
    if (single) {
      this.node.append(element('h3', {}, 'Log ', this.logSelect), this.log, element('h3', {}, 'Files'), this.files, element('h3', {}, 'Child runs'), this.childBox);
    }
    this.follower = new LogFollower(
      (file, offset, signal) => request<ILogChunk>(runPath(this.runIds[0], `/logs${query({ offset, file, wait: 10 })}`), { signal }),
      text => this.showLog(text),
      { isFinal: error => error instanceof ApiError && (error.status === 404 || error.status === 400) }
    );
    this.logSelect.addEventListener('change', () => void this.follower.follow(this.logSelect.value));
    for (const id of runIds) {
      this.metrics.set(id, { schedule: new SeriesSchedule(), series: new Map(), error: '' });
    }
    // charts are drawn once they come within a screen of the view's scrolled area (a run with 1000 metrics
    // draws the few in view first, the rest as they are scrolled to)
    this.nearObserver =
      typeof IntersectionObserver === 'undefined'
        ? null
        : new IntersectionObserver(
            entries => {
              for (const entry of entries) {
                this.charts.get((entry.target as HTMLElement).dataset.metric ?? '')?.setNear(entry.isIntersecting);
              }
            },
            { root: this.node, rootMargin: '100% 0px' }
          );
  }

  protected onAfterAttach(): void {
    void this.refresh();
    this.timer = window.setInterval(() => {
      if (this.isVisible && !document.hidden) {
        void this.refresh();
      }
    }, 1000);
    if (this.runIds.length === 1) {
      void this.follower.follow(this.follower.file || DEFAULT_LOG);
    }
  }

  protected onBeforeDetach(): void {
    window.clearInterval(this.timer);
    this.follower.stop();
  }

  dispose(): void {
    window.clearInterval(this.timer);
    this.follower.stop();
    this.nearObserver?.disconnect();
    this.charts.forEach(chart => chart.dispose());
    super.dispose();
  }

  private button(action: string, label: string, title: string, run: () => Promise<void>): HTMLButtonElement {
    const node = element('button', { class: 'jp-Button jest-lab-action', 'data-action': action, title, type: 'button' }, label);
    node.addEventListener('click', async () => {
      node.disabled = true;
      try {
        await run();
      } finally {
        node.disabled = false;
        await this.refresh(true);
      }
    });
    return node;
  }

  private allFinal(): boolean {
    return this.runIds.every(id => isFinalStatus(this.runs.get(id)?.status));
  }

  private isFinal(id: string): boolean {
    return isFinalStatus(this.runs.get(id)?.status);
  }

  /**
   * Fetch the runs, redraw, and ask for the metric series that are due. Stops polling once every run is final
   * and its series was read after that.
   */
  async refresh(force = false): Promise<void> {
    const complete = this.runIds.every(id => this.metrics.get(id)!.schedule.complete);
    if (!force && this.runs.size === this.runIds.length && this.allFinal() && complete) {
      window.clearInterval(this.timer); // the last refresh already saw them final
      return;
    }
    try {
      const runs = await Promise.all(this.runIds.map(id => request<IRun>(runPath(id))));
      runs.forEach((run, i) => this.runs.set(this.runIds[i], run));
    } catch (error) {
      // e.g. a view restored from an earlier session whose run was deleted: say so and stop following
      window.clearInterval(this.timer);
      this.follower.stop();
      this.message.textContent = `Cannot show ${this.runIds.join(', ')}: ${(error as Error).message}`;
      return;
    }
    this.message.textContent = '';
    this.drawHeader();
    this.drawOverview();
    const metrics = this.refreshMetrics();
    if (this.runIds.length === 1) {
      await Promise.all([metrics, this.drawFilesAndChildren(this.runIds[0])]);
    } else {
      await metrics;
    }
  }

  /**
   * Ask for the series of each run that is due (see seriesfollow.ts), then redraw the charts that changed.
   * A run whose request is still out is skipped, not asked twice; one that fails leaves the rest of the view
   * working and is asked again after a wait.
   */
  private async refreshMetrics(): Promise<void> {
    const now = performance.now();
    const due = this.runIds.filter(id => this.metrics.get(id)!.schedule.shouldAsk(now, this.isFinal(id)));
    this.drawCharts(); // "loading…" until the first answer
    if (!due.length) {
      return;
    }
    await Promise.all(due.map(id => this.loadSeries(id)));
    const failures = this.runIds.map(id => this.metrics.get(id)!.error).filter(Boolean);
    this.metricsError.textContent = failures.length ? `Could not read metrics: ${failures.join('; ')}` : '';
    if (this.runIds.length > 1) {
      this.drawOverview(); // the compare table's final values
    }
    this.drawCharts();
  }

  private async loadSeries(id: string): Promise<void> {
    const state = this.metrics.get(id)!;
    const final = this.isFinal(id); // read before asking: then the answer holds every record
    state.schedule.started(performance.now(), final);
    try {
      const answer = await request<ISeriesAnswer>(runPath(id, `/metrics/series${query({ points: SERIES_POINTS })}`));
      const series = new Map(Object.entries(answer.series ?? {}));
      for (const name of changedNames(state.series, series)) {
        this.dirty.add(name);
      }
      state.series = series;
      state.error = '';
      state.schedule.finished(performance.now(), true);
    } catch (error) {
      state.error = `${this.runIds.length > 1 ? `${id}: ` : ''}${(error as Error).message}`;
      state.schedule.finished(performance.now(), false);
    }
  }

  private drawHeader(): void {
    const parts = this.runIds.map(id => {
      const run = this.runs.get(id)!;
      return element(
        'span',
        { class: 'jest-lab-view-run', 'data-run-id': id },
        element('span', { class: `jest-lab-badge jest-lab-badge-${run.status} ${toneClass(run.status)}` }, run.status),
        ` ${run.experiment} / ${run.display_name || run.id} · ${duration(run.start_time, run.end_time)} `
      );
    });
    this.runLine.replaceChildren(...parts);
    const first = this.runs.get(this.runIds[0]);
    this.buttons.cancel.disabled = !first || isFinalStatus(first.status) || first.status === 'CancelRequested';
  }

  private drawOverview(): void {
    if (this.runIds.length > 1) {
      const inputs = this.runIds.map(id => {
        const run = this.runs.get(id)!;
        const finals = new Map<string, unknown>();
        this.metrics.get(id)!.series.forEach((series, name) => finals.set(name, series.last)); // "NaN" as text
        return { id, label: run.display_name || id, status: run.status, arguments: run.run_definition?.arguments ?? [], finals };
      });
      this.overview.replaceChildren(compareView(inputs));
      return;
    }
    const open = this.overview.querySelector('details')?.open ?? false;
    this.overview.replaceChildren(...overview(this.runs.get(this.runIds[0])!, open));
  }

  private drawCharts(): void {
    if (!this.dirty.size) {
      if (!this.charts.size) {
        const loaded = this.runIds.every(id => this.metrics.get(id)!.schedule.loaded);
        const text = loaded ? 'none yet' : 'loading…';
        if (this.chartBox.textContent !== text) {
          this.chartBox.replaceChildren(element('span', { class: 'jest-lab-none' }, text));
        }
      }
      return;
    }
    const runs = this.runIds.map(id => ({ runId: id, label: this.runs.get(id)?.display_name || id }));
    for (const name of this.dirty) {
      const series: IRunSeries[] = coloredRuns(runs, id => this.metrics.get(id)!.series.get(name)).map(run => ({
        runId: run.runId,
        label: run.label,
        color: run.color,
        data: { x: run.value.x ?? [], y: run.value.y ?? [] },
        last: run.value.last,
        count: run.value.count,
        nonfinite: run.value.nonfinite ?? 0
      }));
      let chart = this.charts.get(name);
      if (!series.length) {
        // gone from every run's answer (e.g. a run's metrics file was replaced)
        if (chart) {
          this.nearObserver?.unobserve(chart.node);
          chart.dispose();
          this.charts.delete(name);
        }
        continue;
      }
      if (!chart) {
        chart = new MetricChart(name);
        this.charts.set(name, chart);
        this.nearObserver?.observe(chart.node);
      }
      chart.update(series);
    }
    this.dirty.clear();
    const names = Array.from(this.charts.keys()).sort();
    const nodes = names.map(name => this.charts.get(name)!.node);
    if (nodes.length !== this.chartBox.children.length || nodes.some((node, i) => this.chartBox.children[i] !== node)) {
      const fragment = document.createDocumentFragment(); // not replaceChildren(...nodes): a run may have many metrics
      for (const node of nodes) {
        fragment.append(node);
      }
      this.chartBox.replaceChildren(fragment);
    }
    if (this.runIds.length > 1 && !this.legendBox.firstChild) {
      this.legendBox.append(legend(coloredRuns(runs, () => true)));
    }
  }

  private showLog(text: string): void {
    const atBottom = this.log.scrollTop + this.log.clientHeight >= this.log.scrollHeight - 4;
    this.log.textContent = text;
    if (atBottom) {
      this.log.scrollTop = this.log.scrollHeight;
    }
  }

  private async drawFilesAndChildren(id: string): Promise<void> {
    const run = this.runs.get(id)!;
    const current = this.follower.file || DEFAULT_LOG;
    const logFiles = (run.log_files ?? []).map(f => f.path);
    if (!logFiles.includes(current)) {
      logFiles.unshift(current);
    }
    if (logFiles.join('\n') !== Array.from(this.logSelect.options, o => o.value).join('\n')) {
      this.logSelect.replaceChildren(
        ...logFiles.map(path => {
          const option = element('option', { value: path }, path);
          option.selected = path === current;
          return option;
        })
      );
    }
    let body: { files: { path: string; size: number }[] };
    let kids: IRunPage;
    try {
      [body, kids] = await Promise.all([
        request<{ files: { path: string; size: number }[] }>(runPath(id, '/files')),
        request<IRunPage>(runPath(id, '/children'))
      ]);
    } catch (error) {
      this.lastFiles = '';
      this.files.replaceChildren(element('span', { class: 'jest-lab-error' }, `Could not list files: ${(error as Error).message}`));
      return;
    }
    const signature = JSON.stringify([body.files, kids.runs.map(k => [k.id, k.status, k.display_name, k.start_time, k.end_time])]);
    if (signature !== this.lastFiles || kids.runs.some(k => !isFinalStatus(k.status))) {
      this.lastFiles = signature;
      this.files.replaceChildren(...fileList(id, body.files));
      this.childBox.replaceChildren(childList(kids.runs, childId => this.actions.open(childId)));
    }
  }
}
