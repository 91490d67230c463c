// The TensorBoard panel: an iframe onto the server's authenticated TensorBoard proxy. When the server refuses
// (e.g. the runs have no logs/ folder) the panel shows the server's message instead of an empty TensorBoard.
import { URLExt } from '@jupyterlab/coreutils';
import { Widget } from '@lumino/widgets';

import { baseUrl, element, request } from './api';

export interface ITensorboardInfo {
  id: string;
  runs: string[];
  url: string;
  path: string;
  alive: boolean;
  /** Runs with no logs/ folder yet (live runs; TensorBoard lists them once they write event files). */
  runs_without_logs?: string[];
}

export async function startTensorboard(runs: string[]): Promise<ITensorboardInfo> {
  return request<ITensorboardInfo>('tensorboards', { method: 'POST', body: JSON.stringify({ runs }) });
}

export function tensorboardUrl(info: ITensorboardInfo): string {
  return URLExt.join(baseUrl(), info.path);
}

export class TensorboardPanel extends Widget {
  private readonly status = element('div', { class: 'jest-lab-message' }, 'Starting TensorBoard…');

  constructor(readonly runs: string[]) {
    super();
    this.addClass('jest-lab-tensorboard');
    this.id = `jest-tensorboard-${runs.join('-').slice(0, 200)}`;
    this.node.dataset.runs = runs.join(',');
    this.title.label = `TensorBoard: ${runs.length === 1 ? runs[0] : `${runs.length} runs`}`;
    this.title.caption = runs.join('\n');
    this.title.closable = true;
    this.node.append(this.status);
    void this.load();
  }

  private async load(): Promise<void> {
    let info: ITensorboardInfo;
    try {
      info = await startTensorboard(this.runs);
    } catch (error) {
      this.status.classList.add('jest-lab-error');
      this.status.textContent = `TensorBoard could not start: ${(error as Error).message}`;
      return;
    }
    const frame = element('iframe', { class: 'jest-lab-tensorboard-frame', title: this.title.label });
    frame.src = tensorboardUrl(info);
    const waiting = info.runs_without_logs ?? [];
    if (waiting.length) {
      this.status.textContent = `No TensorBoard logs yet from ${waiting.join(', ')}: they appear once the script writes event files to ./logs.`;
      this.status.classList.add('jest-lab-note');
    } else {
      this.status.remove();
    }
    this.node.append(frame);
  }
}
