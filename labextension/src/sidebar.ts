// The run browser: experiments and runs in a virtualized list that stays fast with 100 000 runs.
// Status changes arrive as jupyter_events and patch rows at once; a slow poll is only a fallback and
// pauses while the panel is hidden. Pages of rows load as they come into view (see pager.ts).
import { Widget } from '@lumino/widgets';

import { ApiError, element, IExperiment, IRun, IRunPage, query, request } from './api';
import { IPage, RowPager } from './pager';
import { placeholderNode, ROW_HEIGHT, rowNode } from './rows';
import { isFinal } from './shared/status';

export const STATUS_SCHEMA = 'https://events.jupyter.org/jupyter_estimator/run_status/v1';
export { ROW_HEIGHT };

export interface IRunBrowserOptions {
  open: (ids: string[]) => void;
  refreshSeconds: number;
}

export class RunBrowser extends Widget {
  readonly selected = new Set<string>();
  private readonly pager: RowPager<IRun>;
  private readonly viewport = element('div', { class: 'jest-lab-viewport' });
  private readonly spacer = element('div', { class: 'jest-lab-spacer' });
  private readonly items = element('div', { class: 'jest-lab-items' });
  private readonly count = element('span', { class: 'jest-lab-count' });
  private readonly message = element('div', { class: 'jest-lab-message' });
  private readonly search = element('input', { class: 'jest-lab-search', placeholder: 'Search runs: id, name, experiment, tag, status', type: 'search' });
  private readonly experiment = element('select', { class: 'jest-lab-experiment', title: 'Experiment' });
  private readonly status = element('select', { class: 'jest-lab-status-filter', title: 'Status' });
  private pollTimer = 0;
  private tickTimer = 0;
  private reloadTimer = 0;
  private loaded = false;
  firstPaintMs = -1;

  constructor(private readonly options: IRunBrowserOptions) {
    super();
    this.id = 'jupyter-estimator-runs';
    this.addClass('jest-lab-browser');
    this.title.caption = 'Estimator runs';
    this.pager = new RowPager<IRun>((offset, limit, total) => this.fetchPage(offset, limit, total), () => this.draw());
    for (const value of ['', 'Queued', 'Preparing', 'Running', 'Completed', 'Failed', 'Canceled']) {
      this.status.append(element('option', { value }, value || 'any status'));
    }
    this.experiment.append(element('option', { value: '' }, 'all experiments'));
    const header = element('div', { class: 'jest-lab-header' }, element('b', {}, 'Runs '), this.count);
    const filters = element('div', { class: 'jest-lab-filters' }, this.search, this.experiment, this.status);
    this.viewport.append(this.spacer, this.items);
    this.node.append(header, filters, this.message, this.viewport);
    this.viewport.addEventListener('scroll', () => this.draw());
    this.search.addEventListener('input', () => this.scheduleReload(250, true));
    this.experiment.addEventListener('change', () => void this.reload());
    this.status.addEventListener('change', () => void this.reload());
    this.items.addEventListener('click', event => this.onClick(event as MouseEvent));
    this.items.addEventListener('mousedown', event => {
      if ((event as MouseEvent).detail > 1) {
        event.preventDefault(); // a double-click opens the run; it must not select the row's text
      }
    });
    this.items.addEventListener('dblclick', event => {
      const id = this.rowId(event.target as HTMLElement);
      if (id) {
        window.getSelection()?.removeAllRanges();
        this.options.open([id]);
      }
    });
    this.items.addEventListener('contextmenu', event => {
      const id = this.rowId(event.target as HTMLElement);
      if (id && !this.selected.has(id)) {
        this.selected.clear();
        this.selected.add(id);
        this.markSelection();
      }
    });
  }

  set refreshSeconds(value: number) {
    this.options.refreshSeconds = value;
    this.startPolling();
  }

  protected onAfterAttach(): void {
    void this.reload();
    this.startPolling();
  }

  protected onBeforeDetach(): void {
    window.clearInterval(this.pollTimer);
    window.clearInterval(this.tickTimer);
  }

  protected onResize(): void {
    this.draw();
  }

  protected onAfterShow(): void {
    this.draw();
  }

  private startPolling(): void {
    window.clearInterval(this.pollTimer);
    window.clearInterval(this.tickTimer);
    // durations of live runs tick every second (a redraw of the few rows in view)
    this.tickTimer = window.setInterval(() => {
      if (this.isVisible && !document.hidden && this.visibleRows().some(r => r && !isFinal(r.status))) {
        this.draw();
      }
    }, 1000);
    this.pollTimer = window.setInterval(
      () => {
        if (this.isVisible && !document.hidden) {
          void this.reload(false);
        }
      },
      Math.max(2, this.options.refreshSeconds) * 1000
    );
  }

  /** A status event from the server: patch the row, or reload if the run is new to us. */
  onStatusEvent(data: { run_id: string; status: string; parent_run_id?: string | null }): void {
    if (data.parent_run_id) {
      return;
    }
    const known = this.pager.update(
      run => run.id === data.run_id,
      run => {
        run.status = data.status;
        if (isFinal(data.status) && !run.end_time) {
          run.end_time = Date.now() / 1000;
        }
        if (data.status === 'Running' && !run.start_time) {
          run.start_time = Date.now() / 1000;
        }
      }
    );
    if (known) {
      this.draw();
      if (this.status.value || this.search.value.trim()) {
        this.scheduleReload(300, false); // the run may have left (or joined) the filtered list
      }
    } else {
      this.scheduleReload(50, false); // a new run, perhaps in a new experiment
    }
  }

  private scheduleReload(delay: number, resetScroll: boolean): void {
    window.clearTimeout(this.reloadTimer);
    this.reloadTimer = window.setTimeout(() => void this.reload(resetScroll), delay);
  }

  private filtered(): boolean {
    return Boolean(this.search.value.trim() || this.experiment.value || this.status.value);
  }

  private fetchPage(offset: number, limit: number, total: boolean): Promise<IPage<IRun>> {
    const params = query({ limit, offset, total, search: this.search.value.trim(), experiment: this.experiment.value, status: this.status.value });
    return request<IRunPage>(`runs${params}`).then(page => ({ rows: page.runs, total: page.total }));
  }

  /** Load the list (and the experiments, which may have changed) again. */
  async reload(resetScroll = true): Promise<void> {
    const started = performance.now();
    void this.loadExperiments();
    try {
      if (!(await this.pager.reload(!resetScroll))) {
        return; // a newer reload overtook this one
      }
    } catch (error) {
      this.showError(error);
      return;
    }
    this.loaded = true;
    this.message.replaceChildren();
    if (resetScroll) {
      this.viewport.scrollTop = 0;
    }
    this.draw();
    if (this.firstPaintMs < 0) {
      this.firstPaintMs = performance.now() - started;
      this.node.dataset.firstPaintMs = this.firstPaintMs.toFixed(1);
    }
  }

  private showError(error: unknown): void {
    if (error instanceof ApiError && error.status === 404) {
      this.message.replaceChildren(
        element('p', {}, 'The jupyter_estimator server extension is not enabled on this Jupyter server, so there are no runs to show.'),
        element('p', {}, "Fix: pip install jupyter_estimator in the server's environment (it enables itself), or run "),
        element('code', {}, 'jupyter server extension enable jupyter_estimator'),
        element('p', {}, ' and restart the server.')
      );
    } else {
      this.message.replaceChildren(element('p', {}, `Could not load runs: ${(error as Error).message}`));
    }
  }

  /** The experiment filter: experiments with runs (an experiment left empty, e.g. by a refused submission, is left out). */
  private async loadExperiments(): Promise<void> {
    let experiments: IExperiment[];
    try {
      experiments = (await request<{ experiments: IExperiment[] }>('experiments')).experiments;
    } catch {
      return; // reported by reload()
    }
    const current = this.experiment.value;
    const shown = experiments.filter(item => item.run_count > 0 || item.name === current);
    const signature = shown.map(item => `${item.name}\u0000${item.run_count}`).join('\n');
    if (signature === this.experiment.dataset.signature) {
      return;
    }
    this.experiment.dataset.signature = signature;
    this.experiment.replaceChildren(
      element('option', { value: '' }, 'all experiments'),
      ...shown.map(item => element('option', { value: item.name }, `${item.name} (${item.run_count.toLocaleString()})`))
    );
    this.experiment.value = current;
  }

  private visibleRange(): [number, number] {
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - 5);
    const last = Math.min(this.pager.total, Math.ceil((top + height) / ROW_HEIGHT) + 5);
    return [first, last];
  }

  private visibleRows(): (IRun | undefined)[] {
    const [first, last] = this.visibleRange();
    const rows: (IRun | undefined)[] = [];
    for (let index = first; index < last; index++) {
      rows.push(this.pager.row(index));
    }
    return rows;
  }

  /** Render only the rows in view (plus a margin): the DOM holds a few dozen rows, whatever the total. */
  draw(): void {
    const total = this.pager.total;
    this.count.textContent = total.toLocaleString();
    this.spacer.style.height = `${total * ROW_HEIGHT}px`;
    const [first, last] = this.visibleRange();
    const nodes: HTMLElement[] = [];
    for (let index = first; index < last; index++) {
      const run = this.pager.row(index);
      if (run) {
        nodes.push(rowNode(run, index, this.selected.has(run.id)));
      } else {
        this.pager.ensure(index);
        nodes.push(placeholderNode(index, this.pager.failed(index)));
      }
    }
    if (this.loaded && total === 0) {
      nodes.push(
        element('div', { class: 'jest-lab-empty' }, this.filtered() ? 'No runs match' : 'No runs yet — submit one with %%estimator')
      );
    }
    this.items.replaceChildren(...nodes);
  }

  private rowId(target: HTMLElement | null): string | null {
    const row = target?.closest('.jest-lab-run-row') as HTMLElement | null;
    return row?.dataset.runId ?? null;
  }

  private onClick(event: MouseEvent): void {
    const id = this.rowId(event.target as HTMLElement);
    if (!id) {
      return;
    }
    if (event.ctrlKey || event.metaKey || event.shiftKey) {
      if (this.selected.has(id)) {
        this.selected.delete(id);
      } else {
        this.selected.add(id);
      }
    } else {
      this.selected.clear();
      this.selected.add(id);
    }
    this.markSelection();
  }

  /** Restyle the rows in place: re-rendering them would break a double-click into two different nodes. */
  private markSelection(): void {
    for (const node of Array.from(this.items.children) as HTMLElement[]) {
      node.classList.toggle('jest-lab-selected', this.selected.has(node.dataset.runId ?? ''));
    }
  }

  run(id: string): IRun | undefined {
    return this.pager.find(r => r.id === id);
  }

  dispose(): void {
    this.pager.dispose();
    super.dispose();
  }
}
