// The TensorBoard panel: an iframe onto the server's authenticated TensorBoard proxy.
import { URLExt } from '@jupyterlab/coreutils';
import { Widget } from '@lumino/widgets';

import { baseUrl, element, request } from './api';

export interface ITensorboardInfo {
  id: string;
  runs: string[];
  url: string;
  path: string;
  alive: boolean;
}

export async function startTensorboard(runs: string[]): Promise<ITensorboardInfo> {
  return request<ITensorboardInfo>('tensorboards', { method: 'POST', body: JSON.stringify({ runs }) });
}

export function tensorboardUrl(info: ITensorboardInfo): string {
  return URLExt.join(baseUrl(), info.path);
}

export class TensorboardPanel extends Widget {
  readonly frame = element('iframe', { class: 'jest-lab-tensorboard-frame' });
  private readonly status = element('div', { class: 'jest-lab-message' }, 'Starting TensorBoard…');

  constructor(readonly runs: string[]) {
    super();
    this.addClass('jest-lab-tensorboard');
    this.id = `jest-tensorboard-${runs.join('-').slice(0, 200)}`;
    this.title.label = `TensorBoard: ${runs.length === 1 ? runs[0] : `${runs.length} runs`}`;
    this.title.closable = true;
    this.node.append(this.status, this.frame);
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const info = await startTensorboard(this.runs);
      this.frame.src = tensorboardUrl(info);
      this.status.remove();
    } catch (error) {
      this.status.textContent = `TensorBoard could not start: ${(error as Error).message}`;
    }
  }
}
