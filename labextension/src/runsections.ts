// The parts of the run view built from plain data: the overview table (with the system properties folded
// under "System"), the compare table, the files and the child runs. All text goes in as text nodes.
import { apiUrl, element, IRun, runPath } from './api';
import { compareTable, ICompareInput, splitProperties } from './compare';
import { duration } from './shared/format';

function table(rows: [string, string][], className = 'jest-lab-table'): HTMLTableElement {
  return element(
    'table',
    { class: className },
    ...rows.map(([key, value]) => element('tr', {}, element('td', { class: 'jest-lab-key' }, key), element('td', {}, value)))
  );
}

function when(seconds: number | null): string {
  return seconds ? new Date(seconds * 1000).toLocaleString() : '–';
}

function pipPackages(run: IRun): string[] {
  const dependencies = run.run_definition?.environment?.python?.condaDependencies?.dependencies ?? [];
  for (const item of dependencies) {
    if (item && typeof item === 'object' && Array.isArray((item as { pip?: unknown }).pip)) {
      return (item as { pip: unknown[] }).pip.map(String);
    }
  }
  return [];
}

/** One run's overview. `systemOpen`: whether the System section was unfolded (kept across redraws). */
export function overview(run: IRun, systemOpen: boolean): HTMLElement[] {
  const definition = run.run_definition ?? {};
  const environment = definition.environment ?? {};
  const command = Array.isArray(definition.command) ? definition.command.join(' ') : definition.command;
  const rows: [string, string][] = [
    ['status', run.status + (run.error?.message ? ` — ${run.error.message}` : '')],
    ['created', when(run.created_time)],
    ['started', when(run.start_time)],
    ['ended', when(run.end_time)],
    ['duration', duration(run.start_time, run.end_time)],
    ['target', run.target ?? ''],
    ...(run.container ? [['container', `${run.container.image ?? ''} (${run.container.name ?? ''})`] as [string, string]] : []),
    ['script', definition.script || command || ''],
    ['arguments', (definition.arguments ?? []).map(String).join(' ')],
    ['environment', `${environment.name ?? ''} ${environment.python?.userManagedDependencies ? '(user managed)' : pipPackages(run).join(', ')}`.trim()]
  ];
  if (run.display_name) {
    rows.splice(0, 0, ['name', run.display_name]);
  }
  for (const [key, value] of Object.entries(run.tags)) {
    rows.push([`tag ${key}`, value ?? '']);
  }
  const { user, system } = splitProperties(run.properties ?? {});
  rows.push(...user);
  const parts: HTMLElement[] = [table(rows)];
  if (system.length) {
    const details = element('details', { class: 'jest-lab-system' }, element('summary', {}, 'System'), table(system));
    details.open = systemOpen;
    parts.push(details);
  }
  return parts;
}

/** Runs side by side: status, each parameter (from the arguments) and each metric's final value. */
export function compareView(runs: ICompareInput[]): HTMLTableElement {
  const data = compareTable(runs);
  const first = 2 + data.parameters.length;
  const headerCells = data.headers.map((text, i) =>
    element('th', { class: i >= 2 && i < first ? 'jest-lab-param' : i >= first ? 'jest-lab-final' : '' }, text)
  );
  return element(
    'table',
    { class: 'jest-lab-table jest-lab-compare' },
    element('thead', {}, element('tr', {}, ...headerCells)),
    element(
      'tbody',
      {},
      ...data.rows.map(row =>
        element(
          'tr',
          { 'data-run-id': row.id },
          ...row.cells.map((text, i) => {
            const differs = i >= 2 && i < first && data.differing.has(data.headers[i]);
            return element('td', differs ? { class: 'jest-lab-differs' } : {}, text);
          })
        )
      )
    )
  );
}

export function fileList(id: string, files: { path: string; size: number }[]): HTMLElement[] {
  if (!files.length) {
    return [element('span', { class: 'jest-lab-none' }, 'none')];
  }
  return files.map(file =>
    element(
      'div',
      {},
      element('a', { href: apiUrl(runPath(id, `/files/${file.path.split('/').map(encodeURIComponent).join('/')}`)), download: '' }, file.path),
      ` (${file.size.toLocaleString()} B)`
    )
  );
}

export function childList(children: IRun[], open: (id: string) => void): HTMLElement {
  if (!children.length) {
    return element('span', { class: 'jest-lab-none' }, 'none');
  }
  return element(
    'table',
    { class: 'jest-lab-table' },
    ...children.map(child => {
      const link = element('a', { href: '#', class: 'jest-lab-child-link' }, child.display_name || child.id);
      link.addEventListener('click', event => {
        event.preventDefault();
        open(child.id);
      });
      return element('tr', {}, element('td', {}, link), element('td', {}, child.status), element('td', {}, duration(child.start_time, child.end_time)));
    })
  );
}
