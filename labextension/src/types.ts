// The shapes the server's REST API answers with (see jupyter_estimator/server/openapi.yaml).

export interface IRun {
  id: string;
  experiment: string;
  number: number;
  type: string | null;
  status: string;
  target: string | null;
  display_name: string | null;
  parent_run_id: string | null;
  created_time: number;
  start_time: number | null;
  end_time: number | null;
  tags: Record<string, string | null>;
  metrics?: Record<string, unknown>;
  properties?: Record<string, string | null>;
  run_definition?: IRunDefinition;
  error?: { message?: string; code?: string } | null;
  log_files?: { path: string; size: number }[];
  exit_code?: number | null;
  /** A Docker run's container (gone once the run ends: the name and image say where it ran). */
  container?: { name?: string | null; image?: string | null } | null;
}

export interface IRunDefinition {
  script?: string | null;
  command?: string | string[] | null;
  arguments?: unknown[];
  environment?: {
    name?: string;
    python?: {
      userManagedDependencies?: boolean;
      condaDependencies?: { dependencies?: unknown[] };
    };
  };
  [key: string]: unknown;
}

export interface IRunPage {
  runs: IRun[];
  offset: number;
  limit: number;
  has_more: boolean;
  total?: number;
}

export interface ILogChunk {
  data: string;
  offset: number;
  next_offset: number;
  size: number;
  eof: boolean;
  status: string | null;
}

export interface IMetricRecord {
  seq: number;
  time: number;
  kind: string;
  name: string;
  value: unknown;
  step: number | null;
}

/**
 * One metric of GET runs/{id}/metrics/series: a line thinned on the server to at most `points` points (each
 * bucket's min and max kept), `null` in `y` where the value logged was not finite; other kinds keep only `last`.
 * `last` is the value as logged, non-finite numbers as the strings "NaN", "Infinity", "-Infinity".
 */
export interface IMetricSeries {
  kind: 'line' | 'text' | 'table' | 'image' | 'document';
  x?: number[];
  y?: (number | null)[];
  /** Points logged (before thinning). */
  count: number;
  /** How many of them were not finite numbers. */
  nonfinite?: number;
  last: unknown;
}

export interface ISeriesAnswer {
  series: Record<string, IMetricSeries>;
  status: string | null;
}

export interface IExperiment {
  name: string;
  run_count: number;
  last_run: number | null;
}
