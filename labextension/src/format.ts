// Text for counts, metric summaries and run ids in the Lab extension. Pure functions: no DOM, no JupyterLab.
// Numbers, durations and tick labels are in shared/format.ts (the notebook widget writes them the same way).
import { formatNumber, formatValue } from './shared/format';

/** A count with thousands separated: 1000000 → "1,000,000" (the same in every locale, like the tests). */
export function formatCount(count: number): string {
  if (!Number.isInteger(count) || Math.abs(count) >= 1e15) {
    return formatNumber(count);
  }
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * What a chart says under its name: the last value logged (non-finite values as "NaN", "Infinity",
 * "-Infinity", as the server sends them), how many points were logged (the chart may show fewer), and how many
 * of them were not finite numbers (gaps in the line).
 */
export function metricSummary(last: unknown, count: number, nonfinite = 0): string {
  const parts = [`last ${formatValue(last)}`, `${formatCount(count)} point${count === 1 ? '' : 's'}`];
  if (nonfinite > 0) {
    parts.push(`${formatCount(nonfinite)} not finite`);
  }
  return parts.join(' · ');
}

/**
 * A run id split so that a narrow row can cut the start and keep the end: `exp_1700000000_ab12cd34` →
 * head `exp_`, tail `1700000000_ab12cd34` (runs of one experiment differ only there).
 */
export function splitRunId(id: string): { head: string; tail: string } {
  const match = /^(.*_)(\d+_[0-9a-f]+)$/.exec(id);
  if (match) {
    return { head: match[1], tail: match[2] };
  }
  const cut = Math.max(0, id.length - 12);
  return { head: id.slice(0, cut), tail: id.slice(cut) };
}

/** The last part of a run id (its random suffix), shown beside a display name. */
export function shortRunId(id: string): string {
  const parts = id.split('_');
  return parts.length > 1 ? parts[parts.length - 1] : id;
}
