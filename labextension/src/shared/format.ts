// Text for numbers and durations, the same in both front ends (the Lab extension and the notebook widget).
// Pure functions: no DOM, no JupyterLab.

/** A number rounded for reading (`digits` significant digits; integers as they are); not finite: as JS says it. */
export function formatNumber(value: number, digits = 4): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e15) {
    return String(value);
  }
  return String(Number(value.toPrecision(digits)));
}

/** A number rounded for reading; other values as text (objects as JSON, null and undefined as ''). */
export function formatValue(value: unknown): string {
  if (typeof value === 'number') {
    return formatNumber(value);
  }
  if (value === null || value === undefined) {
    return '';
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** How long a run took, or has run so far when `end` is not set: "1h 2m 5s", "7s"; "–" before it started. */
export function duration(start: number | null | undefined, end: number | null | undefined, now = Date.now() / 1000): string {
  if (!start) {
    return '–';
  }
  const seconds = Math.max(0, (end || now) - start);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return (h ? `${h}h ` : '') + (h || m ? `${m}m ` : '') + `${s}s`;
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
