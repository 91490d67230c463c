// REST calls to the server extension ({base_url}estimator/api/...), with the server's own auth.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export * from './types';

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

/** A JSON request; a 4xx/5xx answer throws ApiError with the server's message. `init.signal` aborts it. */
export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await ServerConnection.makeRequest(apiUrl(path), init, settings);
  const text = await response.text();
  let body: { message?: string } | null = null;
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

export function runPath(id: string, rest = ''): string {
  return `runs/${encodeURIComponent(id)}${rest}`;
}

/** An element with attributes and children. Children that are strings become text nodes (never HTML). */
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
