import { describe, expect, it } from 'vitest';

import { ILogPiece, LogFollower } from '../src/logfollow';

/**
 * Log files that grow, read the way the server's logs endpoint answers: from a byte offset, holding the request
 * (long-poll) until there is more or the run is over, and giving up when the request is aborted.
 */
class GrowingLogs {
  private readonly files = new Map<string, string>();
  private finished = false;
  private readonly waiting = new Set<() => void>();
  reads: string[] = [];

  append(file: string, text: string): void {
    this.files.set(file, (this.files.get(file) ?? '') + text);
    this.waiting.forEach(wake => wake());
  }

  finish(): void {
    this.finished = true;
    this.waiting.forEach(wake => wake());
  }

  read = (file: string, offset: number, signal: AbortSignal): Promise<ILogPiece> => {
    this.reads.push(`${file}@${offset}`);
    return new Promise((resolve, reject) => {
      const answer = (): boolean => {
        const text = this.files.get(file) ?? '';
        if (offset < text.length || this.finished) {
          resolve({ data: text.slice(offset), next_offset: text.length, eof: this.finished });
          return true;
        }
        return false;
      };
      if (answer()) {
        return;
      }
      const wake = () => {
        if (answer()) {
          this.waiting.delete(wake);
        }
      };
      this.waiting.add(wake);
      signal.addEventListener('abort', () => {
        this.waiting.delete(wake);
        reject(new DOMException('The operation was aborted.', 'AbortError'));
      });
    });
  };
}

const tick = () => new Promise(resolve => setTimeout(resolve, 2));

describe('LogFollower', () => {
  it('follows a file as it grows', async () => {
    const logs = new GrowingLogs();
    const shown: string[] = [];
    const follower = new LogFollower(logs.read, text => shown.push(text));
    logs.append('std', 'one\n');
    void follower.follow('std');
    await tick();
    logs.append('std', 'two\n');
    await tick();
    expect(follower.text).toBe('one\ntwo\n');
    expect(shown).toEqual(['', 'one\n', 'one\ntwo\n']);
    follower.stop();
  });

  it('switching files during an open long-poll aborts it and never mixes the files', async () => {
    const logs = new GrowingLogs();
    const follower = new LogFollower(logs.read, () => undefined);
    logs.append('std', 'tick 1\n');
    logs.append('build', 'nothing installed\n');
    void follower.follow('std');
    await tick(); // now waiting for more of std
    void follower.follow('build');
    logs.append('std', 'tick 2\n');
    await tick();
    expect(follower.file).toBe('build');
    expect(follower.text).toBe('nothing installed\n');
    logs.append('build', 'more\n');
    await tick();
    expect(follower.text).toBe('nothing installed\nmore\n');
    expect(logs.reads).toContain('build@18'); // its own offset, not std's
    follower.stop();
  });

  it('drops an answer about the previous file that arrives after the switch', async () => {
    const logs = new GrowingLogs();
    logs.append('std', 'tick 1\n');
    logs.append('build', 'nothing installed\n');
    let late: ((piece: ILogPiece) => void) | null = null;
    // A reader whose answer was already on its way when the request was aborted.
    const reader = (file: string, offset: number, signal: AbortSignal): Promise<ILogPiece> =>
      file === 'std' && offset > 0 ? new Promise(resolve => (late = resolve)) : logs.read(file, offset, signal);
    const follower = new LogFollower(reader, () => undefined);
    void follower.follow('std');
    await tick();
    expect(late).not.toBeNull();
    void follower.follow('build');
    await tick();
    late!({ data: 'tick 2\n', next_offset: 14, eof: false });
    await tick();
    expect(follower.text).toBe('nothing installed\n');
  });

  it('after the end of a finished file, switching files (or back) reads the new file from its start', async () => {
    const logs = new GrowingLogs();
    logs.append('std', 'tick\nreleased\n');
    logs.append('build', 'nothing installed\n');
    logs.finish();
    const follower = new LogFollower(logs.read, () => undefined);
    await follower.follow('std'); // resolves: the file is over
    expect(follower.active).toBe(false);
    expect(follower.text).toBe('tick\nreleased\n');
    await follower.follow('build');
    expect(follower.text).toBe('nothing installed\n');
    await follower.follow('std');
    expect(follower.text).toBe('tick\nreleased\n');
  });

  it('keeps only the last lines', async () => {
    const logs = new GrowingLogs();
    logs.append('std', Array.from({ length: 10 }, (_v, i) => `line ${i}\n`).join(''));
    logs.finish();
    const follower = new LogFollower(logs.read, () => undefined, { maxLines: 3 });
    await follower.follow('std');
    expect(follower.text).toBe('line 7\nline 8\nline 9\n');
  });

  it('asks again after an error, and stops on a final one', async () => {
    let failures = 1;
    const reads: number[] = [];
    const follower = new LogFollower(
      async (_file, offset) => {
        reads.push(offset);
        if (failures-- > 0) {
          throw new Error('server restarting');
        }
        return { data: 'back\n', next_offset: 5, eof: true };
      },
      () => undefined,
      { retryMs: 1 }
    );
    await follower.follow('std');
    expect(follower.text).toBe('back\n');
    expect(reads).toEqual([0, 0]);

    const gone = new LogFollower(
      async () => {
        throw new Error('404');
      },
      () => undefined,
      { retryMs: 1, isFinal: error => (error as Error).message === '404' }
    );
    await gone.follow('std');
    expect(gone.active).toBe(false);
  });
});
