// One row of the run browser: the display name (when set) or the run id, cut at the start so that the end of
// the id (what tells runs of one experiment apart) stays visible; then when, how long, where, and a metric.
import { element, IRun } from './api';
import { shortRunId, splitRunId } from './format';
import { duration, formatValue } from './shared/format';
import { toneClass } from './shared/status';

export const ROW_HEIGHT = 52;

function nameLine(run: IRun): HTMLElement {
  if (run.display_name && run.display_name !== run.id) {
    return element(
      'div',
      { class: 'jest-lab-run-name jest-lab-run-named' },
      element('span', { class: 'jest-lab-run-name-head' }, run.display_name),
      element('span', { class: 'jest-lab-run-id-tail', title: run.id }, shortRunId(run.id))
    );
  }
  const { head, tail } = splitRunId(run.id);
  return element(
    'div',
    { class: 'jest-lab-run-name' },
    element('span', { class: 'jest-lab-run-name-head' }, head),
    element('span', { class: 'jest-lab-run-id-tail' }, tail)
  );
}

export function rowNode(run: IRun, index: number, selected: boolean): HTMLElement {
  const metrics = Object.entries(run.metrics ?? {});
  const primary = metrics.length ? `${metrics[0][0]} ${formatValue(metrics[0][1])}` : '';
  const tags = Object.entries(run.tags)
    .slice(0, 2)
    .map(([k, v]) => (v ? `${k}=${v}` : k))
    .join(' ');
  const started = run.start_time ?? run.created_time;
  return element(
    'div',
    {
      class: `jest-lab-run-row${selected ? ' jest-lab-selected' : ''}`,
      style: `top:${index * ROW_HEIGHT}px`,
      'data-run-id': run.id,
      'data-status': run.status,
      title: run.display_name ? `${run.display_name}\n${run.id}` : run.id
    },
    element('span', { class: `jest-lab-dot jest-lab-dot-${run.status} ${toneClass(run.status)}`, title: run.status }),
    element(
      'div',
      { class: 'jest-lab-run-main' },
      nameLine(run),
      element(
        'div',
        { class: 'jest-lab-run-sub' },
        [run.experiment, new Date(started * 1000).toLocaleString(), duration(run.start_time, run.end_time), run.target ?? ''].filter(Boolean).join(' · ')
      ),
      element('div', { class: 'jest-lab-run-sub' }, [run.status, primary, tags].filter(Boolean).join(' · '))
    )
  );
}

export function placeholderNode(index: number, failure: string | null): HTMLElement {
  return element(
    'div',
    { class: 'jest-lab-run-row jest-lab-placeholder', style: `top:${index * ROW_HEIGHT}px` },
    failure ? `Could not load these runs (${failure}); trying again…` : '…'
  );
}
