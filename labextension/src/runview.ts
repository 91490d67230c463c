// The run view: one run (overview, parameters, metrics, live log, files, children), or several runs
// compared (metrics overlaid). It follows live runs while it is visible and stops once they are final.
import { Widget } from '@lumino/widgets';

import { ApiError, apiUrl, duration, element, FINAL, ILogChunk, IMetricRecord, IRun, IRunPage, query, request } from './api';
import { ISeries, legend, lineChart } from './charts';
import { formatValue } from './sidebar';

interface IMetricState {
  after: number;
  series: Map<string, { x: number[]; y: number[]; kind: string; last: any }>;
}

export class RunView extends Widget {
  private runs = new Map<string, IRun>();
  private metrics = new Map<string, IMetricState>();
  private logOffset = 0;
  private logFile = 'user_logs/std_log.txt';
  private logText = '';
  private timer = 0;
  private following = false;
  private readonly header = element('div', { class: 'jest-lab-view-header' });
  private readonly overview = element('div', { class: 'jest-lab-overview' });
  private readonly charts = element('div', { class: 'jest-lab-charts' });
  private readonly logSelect = element('select', { class: 'jest-lab-log-select' });
  private readonly log = element('pre', { class: 'jest-lab-log' });
  private readonly files = element('div', { class: 'jest-lab-files' });
  private readonly childList = element('div', { class: 'jest-lab-children' });

  constructor(readonly runIds: string[]) {
    super();
    this.addClass('jest-lab-run-view');
    this.id = `jest-run-${runIds.join('-').slice(0, 200)}`;
    this.node.dataset.runIds = runIds.join(',');
    this.title.label = runIds.length === 1 ? runIds[0] : `Compare ${runIds.length} runs`;
    this.title.closable = true;
    const single = runIds.length === 1;
    this.node.append(this.header, this.overview, element('h3', {}, 'Metrics'), this.charts);
    if (single) {
      this.node.append(
        element('h3', {}, 'Log ', this.logSelect),
        this.log,
        element('h3', {}, 'Files'),
        this.files,
        element('h3', {}, 'Child runs'),
        this.childList
      );
    }
    this.logSelect.addEventListener('change', () => {
      this.logFile = this.logSelect.value;
      this.logOffset = 0;
      this.logText = '';
      this.log.textContent = '';
    });
    for (const id of runIds) {
      this.metrics.set(id, { after: 0, series: new Map() });
    }
  }

  protected onAfterAttach(): void {
    void this.refresh();
    this.timer = window.setInterval(() => {
      if (this.isVisible && !document.hidden) {
        void this.refresh();
      }
    }, 1000);
    if (this.runIds.length === 1) {
      void this.followLog();
    }
  }

  protected onBeforeDetach(): void {
    window.clearInterval(this.timer);
    this.following = false;
  }

  private allFinal(): boolean {
    return this.runIds.every(id => FINAL.has(this.runs.get(id)?.status ?? ''));
  }

  async refresh(): Promise<void> {
    const wasFinal = this.runs.size === this.runIds.length && this.allFinal();
    if (wasFinal) {
      window.clearInterval(this.timer);
      return;
    }
    try {
      await Promise.all(
        this.runIds.map(async id => {
          this.runs.set(id, await request<IRun>(`runs/${encodeURIComponent(id)}`));
          await this.refreshMetrics(id);
        })
      );
    } catch (error) {
      // e.g. a view restored from an earlier session whose run was deleted: say so and stop following
      window.clearInterval(this.timer);
      this.following = false;
      this.header.replaceChildren(element('div', { class: 'jest-lab-message' }, `Cannot show ${this.runIds.join(', ')}: ${(error as Error).message}`));
      return;
    }
    this.drawHeader();
    this.drawOverview();
    this.drawCharts();
    if (this.runIds.length === 1) {
      await this.drawFilesAndChildren(this.runIds[0]);
    }
  }

  private async refreshMetrics(id: string): Promise<void> {
    const state = this.metrics.get(id)!;
    for (;;) {
      const page = await request<{ records: IMetricRecord[]; next_after: number }>(
        `runs/${encodeURIComponent(id)}/metrics${query({ after: state.after })}`
      );
      for (const record of page.records) {
        let series = state.series.get(record.name);
        if (!series) {
          series = { x: [], y: [], kind: record.kind, last: null };
          state.series.set(record.name, series);
        }
        if (record.kind === 's' && typeof record.value === 'number') {
          series.x.push(record.step ?? series.x.length);
          series.y.push(record.value);
        } else if (record.kind === 'l' && Array.isArray(record.value)) {
          for (const v of record.value) {
            series.x.push(series.x.length);
            series.y.push(v);
          }
        }
        series.last = record.value;
      }
      state.after = page.next_after;
      if (page.records.length < 10000) {
        break;
      }
    }
  }

  private async followLog(): Promise<void> {
    this.following = true;
    const id = this.runIds[0];
    while (this.following) {
      try {
        const chunk = await request<ILogChunk>(
          `runs/${encodeURIComponent(id)}/logs${query({ offset: this.logOffset, file: this.logFile, wait: 10 })}`
        );
        if (chunk.data) {
          const atBottom = this.log.scrollTop + this.log.clientHeight >= this.log.scrollHeight - 4;
          this.logText = (this.logText + chunk.data).split('\n').slice(-2000).join('\n');
          this.log.textContent = this.logText;
          if (atBottom) {
            this.log.scrollTop = this.log.scrollHeight;
          }
        }
        this.logOffset = chunk.next_offset;
        if (chunk.eof) {
          break;
        }
      } catch (error) {
        if ((error as ApiError).status === 404) {
          break;
        }
        await new Promise(resolve => setTimeout(resolve, 2000));
      }
    }
  }

  private drawHeader(): void {
    const parts = this.runIds.map(id => {
      const run = this.runs.get(id)!;
      return element(
        'span',
        { class: 'jest-lab-view-run' },
        element('span', { class: `jest-lab-badge jest-lab-badge-${run.status}` }, run.status),
        ` ${run.experiment} / ${run.id} · ${duration(run.start_time, run.end_time)} `
      );
    });
    this.header.replaceChildren(...parts);
  }

  private drawOverview(): void {
    if (this.runIds.length > 1) {
      const rows = this.runIds.map(id => {
        const run = this.runs.get(id)!;
        const args = (run.run_definition?.arguments ?? []).join(' ');
        return element('tr', {}, element('td', {}, id), element('td', {}, run.status), element('td', {}, duration(run.start_time, run.end_time)), element('td', {}, args));
      });
      this.overview.replaceChildren(
        element('table', { class: 'jest-lab-table' }, element('tr', {}, element('th', {}, 'run'), element('th', {}, 'status'), element('th', {}, 'duration'), element('th', {}, 'arguments')), ...rows)
      );
      return;
    }
    const run = this.runs.get(this.runIds[0])!;
    const definition = run.run_definition ?? {};
    const env = definition.environment ?? {};
    const pip = env.python?.condaDependencies?.dependencies?.find((d: any) => d && d.pip)?.pip ?? [];
    const pairs: [string, string][] = [
      ['status', run.status + (run.error?.message ? ` — ${run.error.message}` : '')],
      ['created', new Date(run.created_time * 1000).toLocaleString()],
      ['started', run.start_time ? new Date(run.start_time * 1000).toLocaleString() : '–'],
      ['ended', run.end_time ? new Date(run.end_time * 1000).toLocaleString() : '–'],
      ['duration', duration(run.start_time, run.end_time)],
      ['target', run.target ?? ''],
      ['script', definition.script || definition.command || ''],
      ['arguments', (definition.arguments ?? []).join(' ')],
      ['environment', `${env.name ?? ''} ${env.python?.userManagedDependencies ? '(user managed)' : pip.join(', ')}`]
    ];
    for (const [key, value] of Object.entries(run.tags)) {
      pairs.push([`tag ${key}`, value ?? '']);
    }
    for (const [key, value] of Object.entries(run.properties ?? {})) {
      if (!key.startsWith('_')) {
        pairs.push([key, value ?? '']);
      }
    }
    this.overview.replaceChildren(
      element('table', { class: 'jest-lab-table' }, ...pairs.map(([k, v]) => element('tr', {}, element('td', {}, k), element('td', {}, v))))
    );
  }

  private drawCharts(): void {
    const names = new Set<string>();
    for (const state of this.metrics.values()) {
      state.series.forEach((_v, name) => names.add(name));
    }
    const boxes: HTMLElement[] = [];
    for (const name of [...names].sort()) {
      const series: ISeries[] = [];
      let last = '';
      for (const id of this.runIds) {
        const s = this.metrics.get(id)!.series.get(name);
        if (s && s.y.length) {
          series.push({ label: id, x: s.x, y: s.y });
        }
        if (s) {
          last = formatValue(Array.isArray(s.last) ? s.last[s.last.length - 1] : typeof s.last === 'object' ? JSON.stringify(s.last) : s.last);
        }
      }
      const box = element('div', { class: 'jest-lab-metric' }, element('div', { class: 'jest-lab-metric-name' }, `${name} ${this.runIds.length === 1 ? '= ' + last : ''}`));
      if (series.length) {
        box.append(lineChart(name, series));
      }
      boxes.push(box);
    }
    if (this.runIds.length > 1) {
      boxes.unshift(legend(this.runIds));
    }
    this.charts.replaceChildren(...boxes);
  }

  private async drawFilesAndChildren(id: string): Promise<void> {
    const run = this.runs.get(id)!;
    const current = this.logFile;
    const logFiles = (run.log_files ?? []).map(f => f.path);
    if (logFiles.join() !== [...this.logSelect.options].map(o => o.value).join()) {
      this.logSelect.replaceChildren(
        ...(logFiles.length ? logFiles : [current]).map(path => {
          const option = element('option', { value: path }, path);
          option.selected = path === current;
          return option;
        })
      );
    }
    const body = await request<{ files: { path: string; size: number }[] }>(`runs/${encodeURIComponent(id)}/files`);
    this.files.replaceChildren(
      ...body.files.map(file =>
        element(
          'div',
          {},
          element('a', { href: apiUrl(`runs/${encodeURIComponent(id)}/files/${file.path.split('/').map(encodeURIComponent).join('/')}`), download: '' }, file.path),
          ` (${file.size} B)`
        )
      )
    );
    const kids = await request<IRunPage>(`runs/${encodeURIComponent(id)}/children`);
    this.childList.replaceChildren(
      kids.runs.length
        ? element('table', { class: 'jest-lab-table' }, ...kids.runs.map(k => element('tr', {}, element('td', {}, k.display_name || k.id), element('td', {}, k.status), element('td', {}, duration(k.start_time, k.end_time)))))
        : element('span', { class: 'jest-lab-none' }, 'none')
    );
  }
}
