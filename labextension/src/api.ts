// REST calls to the server extension ({base_url}estimator/api/...), with the server's own auth.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

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
  run_definition?: Record<string, any>;
  error?: { message?: string; code?: string } | null;
  log_files?: { path: string; size: number }[];
  exit_code?: number | null;
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
  value: any;
  step: number | null;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
  }
}

const settings = ServerConnection.makeSettings();

export function apiUrl(path: string): string {
  return URLExt.join(settings.baseUrl, 'estimator/api', path);
}

export function baseUrl(): string {
  return settings.baseUrl;
}

export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await ServerConnection.makeRequest(apiUrl(path), init, settings);
  const text = await response.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: e.g. the server's HTML 404 page when the server extension is missing
  }
  if (!response.ok) {
    throw new ApiError(body?.message ?? response.statusText, response.status);
  }
  if (body === null && text) {
    throw new ApiError('the server did not answer with JSON', response.status);
  }
  return body as T;
}

export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

export const FINAL = new Set(['Completed', 'Failed', 'Canceled']);

export function duration(start: number | null, end: number | null): string {
  if (!start) {
    return '–';
  }
  const seconds = Math.max(0, (end ?? Date.now() / 1000) - start);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return (h ? `${h}h ` : '') + (h || m ? `${m}m ` : '') + `${s}s`;
}

export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    node.setAttribute(key, value);
  }
  for (const child of children) {
    node.append(child);
  }
  return node;
}
