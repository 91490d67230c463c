import { describe, expect, it } from 'vitest';

import { IPage, RowPager } from '../src/pager';

/** A list of `size` numbered rows served a page at a time, as the server's runs endpoint does. */
class RowSource {
  calls: { offset: number; limit: number; total: boolean }[] = [];
  failNext = 0;
  constructor(public size: number, public prefix = 'run') {}

  fetch = async (offset: number, limit: number, total: boolean): Promise<IPage<string>> => {
    this.calls.push({ offset, limit, total });
    await Promise.resolve();
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('network down');
    }
    const rows: string[] = [];
    for (let i = offset; i < Math.min(this.size, offset + limit); i++) {
      rows.push(`${this.prefix}-${i}`);
    }
    return { rows, total: total ? this.size : undefined };
  };
}

function until(condition: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) {
        resolve();
      } else if (Date.now() > deadline) {
        reject(new Error('condition not met'));
      } else {
        setTimeout(check, 1);
      }
    };
    check();
  });
}

describe('RowPager', () => {
  it('loads the first page with the total, and other pages when asked, once each', async () => {
    const source = new RowSource(250);
    let changes = 0;
    const pager = new RowPager(source.fetch, () => changes++, { pageSize: 100 });
    expect(await pager.reload(false)).toBe(true);
    expect(pager.total).toBe(250);
    expect(pager.row(99)).toBe('run-99');
    expect(pager.row(100)).toBeUndefined();
    pager.ensure(150);
    pager.ensure(199);
    pager.ensure(100);
    await until(() => pager.row(150) !== undefined);
    expect(source.calls.filter(c => c.offset === 100)).toHaveLength(1);
    expect(pager.row(100)).toBe('run-100');
    expect(pager.row(199)).toBe('run-199');
    expect(changes).toBe(1);
    pager.ensure(249);
    await until(() => pager.row(249) !== undefined);
    expect(pager.row(250)).toBeUndefined();
  });

  it('retries a page that failed, after a delay that grows, instead of leaving it loading forever', async () => {
    const source = new RowSource(300);
    const delays: number[] = [];
    // The owner redraws on each change and asks again for the rows it shows, as the run browser does.
    const redraw = () => {
      if (pager.row(150) === undefined) {
        pager.ensure(150);
      }
    };
    const pager: RowPager<string> = new RowPager(source.fetch, redraw, {
      pageSize: 100,
      retryDelay: attempt => {
        delays.push(attempt);
        return 5;
      }
    });
    await pager.reload(false);
    source.failNext = 2;
    pager.ensure(150);
    await until(() => pager.failed(150) !== null);
    expect(pager.failed(150)).toBe('network down');
    expect(pager.row(150)).toBeUndefined();
    await until(() => pager.row(150) !== undefined);
    expect(pager.row(150)).toBe('run-150');
    expect(pager.failed(150)).toBeNull();
    expect(delays).toEqual([1, 2]);
    expect(source.calls.filter(c => c.offset === 100)).toHaveLength(3);
  });

  it('does not ask again for a failed page before its retry is due', async () => {
    const source = new RowSource(300);
    const pager = new RowPager(source.fetch, () => undefined, { pageSize: 100, retryDelay: () => 60_000 });
    await pager.reload(false);
    source.failNext = 1;
    pager.ensure(120);
    await until(() => pager.failed(120) !== null);
    pager.ensure(120);
    pager.ensure(130);
    expect(source.calls.filter(c => c.offset === 100)).toHaveLength(1);
    pager.dispose();
  });

  it('drops a page that answers for filters that changed meanwhile', async () => {
    const source = new RowSource(300);
    const pager = new RowPager(source.fetch, () => undefined, { pageSize: 100 });
    await pager.reload(false);
    pager.ensure(150); // in flight for the old filters
    source.prefix = 'filtered';
    source.size = 120;
    await pager.reload(false);
    await new Promise(resolve => setTimeout(resolve, 5));
    expect(pager.total).toBe(120);
    expect(pager.row(110)).toBeUndefined(); // not 'run-110' from the old list
    pager.ensure(110);
    await until(() => pager.row(110) !== undefined);
    expect(pager.row(110)).toBe('filtered-110');
  });

  it('keeps the rows after the first page on a refresh, and a newer reload wins over an older one', async () => {
    const source = new RowSource(250);
    const pager = new RowPager(source.fetch, () => undefined, { pageSize: 100 });
    await pager.reload(false);
    pager.ensure(120);
    await until(() => pager.row(120) !== undefined);
    await pager.reload(true);
    expect(pager.row(120)).toBe('run-120');
    const older = pager.reload(false);
    const newer = pager.reload(false);
    expect(await older).toBe(false);
    expect(await newer).toBe(true);
    expect(pager.row(120)).toBeUndefined();
  });

  it('patches a loaded row in place', async () => {
    const pager = new RowPager<{ id: string; status: string }>(
      async () => ({ rows: [{ id: 'a', status: 'Running' }], total: 1 }),
      () => undefined
    );
    await pager.reload(false);
    expect(pager.update(r => r.id === 'a', r => (r.status = 'Completed'))).toBe(true);
    expect(pager.find(r => r.id === 'a')?.status).toBe('Completed');
    expect(pager.update(r => r.id === 'b', () => undefined)).toBe(false);
  });
});
