// Run statuses as jupyter_estimator/core/status.py names them, for both front ends: the Lab extension compiles
// this file and the notebook widget bundles it (widgets_src/build.mjs). tests/test_frontend_status_constants.py
// parses it and fails when it and status.py disagree, so a status added in Python cannot go unstyled here.

/** Every status (ALL_STATUSES in status.py), in the order a run goes through them; the cancel and final ones last. */
export const RUN_STATUSES = [
  'NotStarted',
  'Queued',
  'Preparing',
  'Starting',
  'Running',
  'Finalizing',
  'CancelRequested',
  'Completed',
  'Failed',
  'Canceled'
] as const;

/** Statuses a run never leaves (TERMINAL_STATUSES): nothing to cancel, nothing more to poll, the clock stops. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['Completed', 'Failed', 'Canceled']);

export type StatusTone = 'waiting' | 'active' | 'canceled' | 'completed' | 'failed';

/** The colour group of each status; each front end's CSS colours the class toneClass() gives. */
export const STATUS_TONES: Readonly<Record<string, StatusTone>> = {
  NotStarted: 'waiting',
  Queued: 'waiting',
  Preparing: 'active',
  Starting: 'active',
  Running: 'active',
  Finalizing: 'active',
  CancelRequested: 'canceled',
  Completed: 'completed',
  Failed: 'failed',
  Canceled: 'canceled'
};

export function isFinal(status: string | null | undefined): boolean {
  return FINAL_STATUSES.has(status ?? '');
}

/** `jest-tone-<tone>` for a status badge or dot; `jest-tone-unknown` for a status this file does not know. */
export function toneClass(status: string | null | undefined): string {
  const tone = Object.prototype.hasOwnProperty.call(STATUS_TONES, status ?? '') ? STATUS_TONES[status as string] : 'unknown';
  return `jest-tone-${tone}`;
}
