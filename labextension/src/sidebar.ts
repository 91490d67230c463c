// The run browser: experiments and runs in a virtualized list that stays fast with 100 000 runs.
// Status changes arrive as jupyter_events and patch rows at once; a slow poll is only a fallback and
// pauses while the panel is hidden.
import { Widget } from '@lumino/widgets';

import { ApiError, duration, element, FINAL, IRun, IRunPage, query, request } from './api';

const PAGE = 100;
export const ROW_HEIGHT = 46;
export const STATUS_SCHEMA = 'https://events.jupyter.org/jupyter_estimator/run_status/v1';

export interface IRunBrowserOptions {
  open: (ids: string[]) => void;
  refreshSeconds: number;
}

export class RunBrowser extends Widget {
  readonly selected = new Set<string>();
  private rows: (IRun | undefined)[] = [];
  private total = 0;
  private loading = new Set<number>();
  private generation = 0;
  private readonly viewport = element('div', { class: 'jest-lab-viewport' });
  private readonly spacer = element('div', { class: 'jest-lab-spacer' });
  private readonly items = element('div', { class: 'jest-lab-items' });
  private readonly count = element('span', { class: 'jest-lab-count' });
  private readonly message = element('div', { class: 'jest-lab-message' });
  private readonly search = element('input', { class: 'jest-lab-search', placeholder: 'Search runs', type: 'search' });
  private readonly experiment = element('select', { class: 'jest-lab-experiment' });
  private readonly status = element('select', { class: 'jest-lab-status-filter' });
  private pollTimer = 0;
  private tickTimer = 0;
  private reloadTimer = 0;
  firstPaintMs = -1;

  constructor(private readonly options: IRunBrowserOptions) {
    super();
    this.id = 'jupyter-estimator-runs';
    this.addClass('jest-lab-browser');
    this.title.caption = 'Estimator runs';
    for (const value of ['', 'Queued', 'Preparing', 'Running', 'Completed', 'Failed', 'Canceled']) {
      this.status.append(element('option', { value }, value || 'any status'));
    }
    const header = element('div', { class: 'jest-lab-header' }, element('b', {}, 'Runs '), this.count);
    const filters = element('div', { class: 'jest-lab-filters' }, this.search, this.experiment, this.status);
    this.viewport.append(this.spacer, this.items);
    this.node.append(header, filters, this.message, this.viewport);
    this.viewport.addEventListener('scroll', () => this.draw());
    this.search.addEventListener('input', () => this.scheduleReload(250));
    this.experiment.addEventListener('change', () => this.reload());
    this.status.addEventListener('change', () => this.reload());
    this.items.addEventListener('click', event => this.onClick(event as MouseEvent));
    this.items.addEventListener('dblclick', event => {
      const id = this.rowId(event.target as HTMLElement);
      if (id) {
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
    this.reload();
    this.loadExperiments();
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
      if (this.isVisible && !document.hidden && this.rows.some(r => r && !FINAL.has(r.status))) {
        this.draw();
      }
    }, 1000);
    this.pollTimer = window.setInterval(() => {
      if (this.isVisible && !document.hidden) {
        this.reload(false);
      }
    }, Math.max(2, this.options.refreshSeconds) * 1000);
  }

  /** A status event from the server: patch the row, or reload if the run is new to us. */
  onStatusEvent(data: { run_id: string; status: string; parent_run_id?: string | null; previous_status?: string | null }): void {
    if (data.parent_run_id) {
      return;
    }
    const index = this.rows.findIndex(r => r?.id === data.run_id);
    if (index >= 0) {
      const row = this.rows[index]!;
      row.status = data.status;
      if (FINAL.has(data.status) && !row.end_time) {
        row.end_time = Date.now() / 1000;
      }
      if (data.status === 'Running' && !row.start_time) {
        row.start_time = Date.now() / 1000;
      }
      this.draw();
      if (this.status.value) {
        this.scheduleReload(300);
      }
    } else {
      this.scheduleReload(50);
    }
  }

  private scheduleReload(delay: number): void {
    window.clearTimeout(this.reloadTimer);
    this.reloadTimer = window.setTimeout(() => this.reload(false), delay);
  }

  private filterQuery(offset: number): string {
    return query({
      limit: PAGE,
      offset,
      total: offset === 0,
      search: this.search.value.trim(),
      experiment: this.experiment.value,
      status: this.status.value
    });
  }

  async reload(resetScroll = true): Promise<void> {
    const started = performance.now();
    const generation = ++this.generation;
    try {
      const page = await request<IRunPage>(`runs${this.filterQuery(0)}`);
      if (generation !== this.generation) {
        return;
      }
      this.message.replaceChildren();
      this.total = page.total ?? page.runs.length;
      const kept = resetScroll ? [] : this.rows.slice(PAGE);
      this.rows = [...page.runs, ...kept];
      this.rows.length = this.total;
      this.loading.clear();
      if (resetScroll) {
        this.viewport.scrollTop = 0;
      }
      this.draw();
      if (this.firstPaintMs < 0) {
        this.firstPaintMs = performance.now() - started;
        this.node.dataset.firstPaintMs = this.firstPaintMs.toFixed(1);
      }
    } catch (error) {
      this.showError(error);
    }
  }

  private showError(error: unknown): void {
    if (error instanceof ApiError && error.status === 404) {
      this.message.replaceChildren(
        element('p', {}, "The jupyter_estimator server extension is not enabled on this Jupyter server, so there are no runs to show."),
        element('p', {}, 'Fix: pip install jupyter_estimator in the server\'s environment (it enables itself), or run '),
        element('code', {}, 'jupyter server extension enable jupyter_estimator'),
        element('p', {}, ' and restart the server.')
      );
    } else {
      this.message.replaceChildren(element('p', {}, `Could not load runs: ${(error as Error).message}`));
    }
  }

  private async loadExperiments(): Promise<void> {
    try {
      const body = await request<{ experiments: { name: string; run_count: number }[] }>('experiments');
      const current = this.experiment.value;
      this.experiment.replaceChildren(element('option', { value: '' }, 'all experiments'));
      for (const item of body.experiments) {
        const option = element('option', { value: item.name }, `${item.name} (${item.run_count})`);
        option.selected = item.name === current;
        this.experiment.append(option);
      }
    } catch {
      // reported by reload()
    }
  }

  private async ensurePage(index: number): Promise<void> {
    const offset = Math.floor(index / PAGE) * PAGE;
    if (this.loading.has(offset)) {
      return;
    }
    this.loading.add(offset);
    const generation = this.generation;
    const page = await request<IRunPage>(`runs${this.filterQuery(offset)}`);
    if (generation !== this.generation) {
      return;
    }
    page.runs.forEach((run, i) => (this.rows[offset + i] = run));
    this.draw();
  }

  /** Render only the rows in view (plus a margin): the DOM holds a few dozen rows, whatever the total. */
  draw(): void {
    this.count.textContent = `${this.total.toLocaleString()}`;
    this.spacer.style.height = `${this.total * ROW_HEIGHT}px`;
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - 5);
    const last = Math.min(this.total, Math.ceil((top + height) / ROW_HEIGHT) + 5);
    const nodes: HTMLElement[] = [];
    for (let index = first; index < last; index++) {
      const run = this.rows[index];
      if (!run) {
        void this.ensurePage(index);
        nodes.push(element('div', { class: 'jest-lab-run-row jest-lab-placeholder', style: `top:${index * ROW_HEIGHT}px` }, '…'));
        continue;
      }
      nodes.push(this.rowNode(run, index));
    }
    this.items.replaceChildren(...nodes);
  }

  private rowNode(run: IRun, index: number): HTMLElement {
    const metrics = Object.entries(run.metrics ?? {});
    const primary = metrics.length ? `${metrics[0][0]} ${formatValue(metrics[0][1])}` : '';
    const tags = Object.entries(run.tags)
      .slice(0, 2)
      .map(([k, v]) => (v ? `${k}=${v}` : k))
      .join(' ');
    const started = run.start_time ?? run.created_time;
    const node = element(
      'div',
      {
        class: `jest-lab-run-row${this.selected.has(run.id) ? ' jest-lab-selected' : ''}`,
        style: `top:${index * ROW_HEIGHT}px`,
        'data-run-id': run.id,
        'data-status': run.status,
        title: run.id
      },
      element('span', { class: `jest-lab-dot jest-lab-dot-${run.status}`, title: run.status }),
      element(
        'div',
        { class: 'jest-lab-run-main' },
        element('div', { class: 'jest-lab-run-name' }, run.display_name || run.id),
        element(
          'div',
          { class: 'jest-lab-run-sub' },
          `${run.experiment} · ${new Date(started * 1000).toLocaleString()} · ${duration(run.start_time, run.end_time)} · ${run.target ?? ''}`
        ),
        element('div', { class: 'jest-lab-run-sub' }, [run.status, primary, tags].filter(Boolean).join(' · '))
      )
    );
    return node;
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
    return this.rows.find(r => r?.id === id);
  }
}

export function formatValue(value: unknown): string {
  if (typeof value === 'number') {
    return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  }
  return value === null || value === undefined ? '' : String(value);
}
