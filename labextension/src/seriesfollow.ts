// When the run view asks the server for a run's metric series again, and which metrics changed. Pure: no DOM.
//
// A run's metrics arrive in one request to GET runs/{id}/metrics/series, every metric already thinned on the
// server (min and max of each bucket kept), so a run with a million points costs the browser ~1000 of them.
// A live run is kept current by asking for the series again, not by following records by cursor: the series
// answer carries per-metric counts, not the file's record sequence number, so a cursor could not start
// exactly where the series ended (records would be lost or counted twice), and records followed one by one
// would grow without bound in the browser. Asking again costs the server a read of the metrics file, so
// the next request waits for at least MIN_INTERVAL_MS and for COST_FACTOR times what the last one took
// (a run whose series takes 1 s to read is asked every 4 s at most). Once a request has been sent after the
// run was seen final, its answer holds every record and no more are sent.
import { IMetricSeries } from './types';

export const MIN_INTERVAL_MS = 2000;
export const COST_FACTOR = 4;

export class SeriesSchedule {
  private due = 0;
  private startedAt = 0;
  private askedFinal = false;
  private busy = false;
  private done = false;
  private answered = false;
  private failed = false;

  constructor(
    private readonly minIntervalMs = MIN_INTERVAL_MS,
    private readonly costFactor = COST_FACTOR
  ) {}

  /** Whether an answer arrived (the view shows "loading…" until then). */
  get loaded(): boolean {
    return this.answered;
  }

  /** Whether the last answer was asked for once the run was final: it is complete, nothing more to ask. */
  get complete(): boolean {
    return this.done;
  }

  /**
   * Whether to ask now. `final`: the run's status, read before this call, is final: ask at once, one last
   * time (unless the last request failed: that one waits, like any retry).
   */
  shouldAsk(now: number, final: boolean): boolean {
    return !this.busy && !this.done && ((final && !this.failed) || now >= this.due);
  }

  started(now: number, final: boolean): void {
    this.busy = true;
    this.startedAt = now;
    this.askedFinal = final;
  }

  /** The request ended; `ok`: with an answer (a failure is asked again after the same wait). */
  finished(now: number, ok: boolean): void {
    this.busy = false;
    this.failed = !ok;
    if (ok) {
      this.answered = true;
      this.done = this.askedFinal;
    }
    this.due = now + Math.max(this.minIntervalMs, this.costFactor * Math.max(0, now - this.startedAt));
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));
}

/** The names whose series differ between two answers (new, gone, or with other points or last value). */
export function changedNames(before: Map<string, IMetricSeries>, after: Map<string, IMetricSeries>): string[] {
  const changed: string[] = [];
  after.forEach((next, name) => {
    const previous = before.get(name);
    if (
      !previous ||
      previous.kind !== next.kind ||
      previous.count !== next.count ||
      previous.nonfinite !== next.nonfinite ||
      (previous.x?.length ?? 0) !== (next.x?.length ?? 0) ||
      !sameValue(previous.last, next.last)
    ) {
      changed.push(name);
    }
  });
  before.forEach((_series, name) => {
    if (!after.has(name)) {
      changed.push(name);
    }
  });
  return changed;
}
