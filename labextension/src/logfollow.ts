// Follows one log file of a run by byte offset with long-polls, and switches files cleanly: the poll for the
// previous file is aborted and anything it still answers is dropped. Pure: the reader is given to it.

export interface ILogPiece {
  data: string;
  next_offset: number;
  eof: boolean;
}

/** Read `file` from `offset`, waiting (long-poll) until there is more or the file is over. */
export type LogReader = (file: string, offset: number, signal: AbortSignal) => Promise<ILogPiece>;

export interface ILogFollowerOptions {
  /** Lines kept (the oldest are dropped). */
  maxLines?: number;
  /** Milliseconds before asking again after an error. */
  retryMs?: number;
  /** Errors after which following stops (e.g. the run or file is gone). */
  isFinal?: (error: unknown) => boolean;
}

export class LogFollower {
  private current = '';
  private shown = '';
  private controller: AbortController | null = null;
  private readonly maxLines: number;
  private readonly retryMs: number;
  private readonly isFinal: (error: unknown) => boolean;

  /** `update(text, file)` is called with the whole text shown whenever it changes (also '' on a switch). */
  constructor(
    private readonly read: LogReader,
    private readonly update: (text: string, file: string) => void,
    options: ILogFollowerOptions = {}
  ) {
    this.maxLines = options.maxLines ?? 2000;
    this.retryMs = options.retryMs ?? 2000;
    this.isFinal = options.isFinal ?? (() => false);
  }

  get file(): string {
    return this.current;
  }

  get text(): string {
    return this.shown;
  }

  /** Whether a read loop is going (it ends at the end of a finished file, on stop, or on a final error). */
  get active(): boolean {
    return this.controller !== null;
  }

  /**
   * Show `file` from its start and follow it. Whatever was being followed is aborted first, even when it is the
   * same file (a restart), and even after the previous file had ended. Resolves when this file's loop ends.
   */
  follow(file: string): Promise<void> {
    this.stop();
    const controller = new AbortController();
    this.controller = controller;
    this.current = file;
    this.shown = '';
    this.update('', file);
    return this.loop(file, controller);
  }

  stop(): void {
    this.controller?.abort();
    this.controller = null;
  }

  private async loop(file: string, controller: AbortController): Promise<void> {
    const signal = controller.signal;
    let offset = 0;
    try {
      while (!signal.aborted) {
        let piece: ILogPiece;
        try {
          piece = await this.read(file, offset, signal);
        } catch (error) {
          if (signal.aborted || this.isFinal(error)) {
            return;
          }
          await pause(this.retryMs, signal);
          continue;
        }
        if (signal.aborted) {
          return; // an answer about a file no longer shown: drop it
        }
        if (piece.data) {
          this.append(piece.data);
          this.update(this.shown, file);
        }
        offset = piece.next_offset;
        if (piece.eof) {
          return;
        }
      }
    } finally {
      if (this.controller === controller) {
        this.controller = null;
      }
    }
  }

  private append(data: string): void {
    const text = this.shown + data;
    // Count lines from the end without splitting the whole text (logs can be long).
    let cut = text.length;
    for (let lines = 0; lines <= this.maxLines && cut > 0; lines++) {
      cut = text.lastIndexOf('\n', cut - 1);
      if (cut < 0) {
        break;
      }
    }
    this.shown = cut >= 0 ? text.slice(cut + 1) : text;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
