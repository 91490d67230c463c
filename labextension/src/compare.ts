// What the run view tabulates: a script's arguments as named parameters, the compare table (parameters and
// final metric values, one row per run), and which properties are the system's. Pure: no DOM.
import { formatValue } from './shared/format';

/**
 * `--lr 0.1 --epochs=3 --verbose data.csv` → --lr: 0.1, --epochs: 3, --verbose: '', arg 1: data.csv.
 * A flag followed by another flag (or by nothing) is a switch with no value.
 */
export function parseArguments(args: unknown[]): Map<string, string> {
  const params = new Map<string, string>();
  let positional = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = String(args[i]);
    if (isFlag(arg)) {
      const equals = arg.indexOf('=');
      if (equals > 0) {
        params.set(arg.slice(0, equals), arg.slice(equals + 1));
      } else if (i + 1 < args.length && !isFlag(String(args[i + 1]))) {
        params.set(arg, String(args[++i]));
      } else {
        params.set(arg, '');
      }
    } else {
      params.set(`arg ${++positional}`, arg);
    }
  }
  return params;
}

function isFlag(arg: string): boolean {
  return /^--?[A-Za-z_]/.test(arg) && !/^-(inf|infinity|nan)$/i.test(arg); // "-inf" is a value (float('-inf'))
}

export interface ICompareInput {
  id: string;
  label: string;
  status: string;
  arguments: unknown[];
  /** The last value of each metric the run logged. */
  finals: Map<string, unknown>;
}

export interface ICompareTable {
  parameters: string[];
  metrics: string[];
  /** Columns in order: run, status, the parameters, the metrics. */
  headers: string[];
  rows: { id: string; cells: string[] }[];
  /** Parameters whose value is not the same for every run. */
  differing: Set<string>;
}

export function compareTable(runs: ICompareInput[]): ICompareTable {
  const params = runs.map(run => parseArguments(run.arguments));
  const parameters = unique(params.flatMap(p => Array.from(p.keys())));
  const metrics = unique(runs.flatMap(run => Array.from(run.finals.keys()))).sort();
  const differing = new Set(parameters.filter(name => new Set(params.map(p => p.get(name) ?? '\u0000none')).size > 1));
  const rows = runs.map((run, i) => ({
    id: run.id,
    cells: [
      run.label,
      run.status,
      ...parameters.map(name => params[i].get(name) ?? ''),
      ...metrics.map(name => (run.finals.has(name) ? formatValue(run.finals.get(name)) : ''))
    ]
  }));
  return { parameters, metrics, headers: ['run', 'status', ...parameters, ...metrics], rows, differing };
}

function unique(values: string[]): string[] {
  return Array.from(new Set(values));
}

/** Recorded by the service and the submitting SDK about where a run came from, not set by its user. */
export function isSystemProperty(key: string): boolean {
  return (
    key.startsWith('azureml.') ||
    key.startsWith('mlflow.') ||
    key.startsWith('_') ||
    key === 'ContentSnapshotId' ||
    key === 'jupyter_estimator.submitted_via'
  );
}

export function splitProperties(properties: Record<string, string | null>): { user: [string, string][]; system: [string, string][] } {
  const user: [string, string][] = [];
  const system: [string, string][] = [];
  for (const key of Object.keys(properties).sort()) {
    (isSystemProperty(key) ? system : user).push([key, properties[key] ?? '']);
  }
  return { user, system };
}
