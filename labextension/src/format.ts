// Text for values, durations and run ids. Pure functions: no DOM, no JupyterLab.

/** A number rounded for reading (4 significant digits; integers as they are); other values as text. */
export function formatValue(value: unknown): string {
  if (typeof value === 'number') {
    return formatNumber(value);
  }
  if (value === null || value === undefined) {
    return '';
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function formatNumber(value: number, digits = 4): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e15) {
    return String(value);
  }
  return String(Number(value.toPrecision(digits)));
}

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

export function duration(start: number | null, end: number | null, now = Date.now() / 1000): string {
  if (!start) {
    return '–';
  }
  const seconds = Math.max(0, (end ?? now) - start);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return (h ? `${h}h ` : '') + (h || m ? `${m}m ` : '') + `${s}s`;
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

/**
 * An axis label: as many decimals as the tick increment has (0.05 → "0.15", never 0.15000000000000002), and
 * large numbers shortened (250000 → "250k", 1500000 → "1.5M").
 */
export function tickLabel(value: number, increment: number): string {
  if (!Number.isFinite(value)) {
    return '';
  }
  const abs = Math.abs(value);
  // [unit, suffix, from]: thousands only from 10 000 on
  for (const [unit, suffix, from] of [[1e9, 'G', 1e9], [1e6, 'M', 1e6], [1e3, 'k', 1e4]] as [number, string, number][]) {
    if (abs >= from && increment >= unit / 100) {
      return `${Number((value / unit).toPrecision(4))}${suffix}`;
    }
  }
  const decimals = decimalsOf(increment);
  if (decimals > 8) {
    return value === 0 ? '0' : value.toExponential(2);
  }
  const rounded = Math.abs(value) < increment / 2 ? 0 : value;
  return rounded.toFixed(decimals);
}

function decimalsOf(increment: number): number {
  if (!(increment > 0) || !Number.isFinite(increment)) {
    return 0;
  }
  const text = String(Number(increment.toPrecision(6)));
  const exponent = /e-(\d+)$/.exec(text);
  if (exponent) {
    const mantissa = text.split('e')[0];
    return Number(exponent[1]) + (mantissa.split('.')[1]?.length ?? 0);
  }
  return text.split('.')[1]?.length ?? 0;
}
