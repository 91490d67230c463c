// The rows of a long, filtered list loaded a page at a time as they come into view. Pure: it knows nothing of
// the DOM or of JupyterLab; the run browser gives it a page fetcher and redraws when told.

export interface IPage<T> {
  rows: T[];
  total?: number;
}

/** Fetch `limit` rows from `offset`; `withTotal` asks for the total count too (the first page). */
export type PageFetcher<T> = (offset: number, limit: number, withTotal: boolean) => Promise<IPage<T>>;

export interface IPagerOptions {
  pageSize?: number;
  /** Milliseconds to wait before the n-th retry (n ≥ 1) of a page that failed. */
  retryDelay?: (attempt: number) => number;
}

interface IFailure {
  attempts: number;
  due: boolean;
  error: string;
}

export class RowPager<T> {
  readonly pageSize: number;
  private rows: (T | undefined)[] = [];
  private count = 0;
  private generation = 0;
  private readonly loading = new Set<number>();
  private readonly failures = new Map<number, IFailure>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly retryDelay: (attempt: number) => number;

  constructor(
    private readonly fetchPage: PageFetcher<T>,
    private readonly changed: () => void,
    options: IPagerOptions = {}
  ) {
    this.pageSize = options.pageSize ?? 100;
    this.retryDelay = options.retryDelay ?? (attempt => Math.min(30_000, 1000 * 2 ** (attempt - 1)));
  }

  get total(): number {
    return this.count;
  }

  row(index: number): T | undefined {
    return this.rows[index];
  }

  find(predicate: (row: T) => boolean): T | undefined {
    for (const row of this.rows) {
      if (row !== undefined && predicate(row)) {
        return row;
      }
    }
    return undefined;
  }

  findIndex(predicate: (row: T) => boolean): number {
    return this.rows.findIndex(row => row !== undefined && predicate(row));
  }

  /** Whether the page holding `index` failed to load (it is retried after a delay). */
  failed(index: number): string | null {
    return this.failures.get(this.pageStart(index))?.error ?? null;
  }

  /**
   * Load the first page again (new filters, or a refresh). `keep`: keep the rows already loaded after the first
   * page (a refresh that leaves the scroll position alone). Resolves false when a newer reload overtook it.
   * Pages still loading for the previous filters are dropped when they arrive. Throws what the fetcher throws.
   */
  async reload(keep: boolean): Promise<boolean> {
    const generation = ++this.generation;
    this.loading.clear();
    this.failures.clear();
    this.clearTimers();
    const page = await this.fetchPage(0, this.pageSize, true);
    if (generation !== this.generation) {
      return false;
    }
    this.count = page.total ?? page.rows.length;
    const kept = keep ? this.rows.slice(this.pageSize) : [];
    this.rows = [...page.rows, ...kept];
    this.rows.length = this.count;
    return true;
  }

  /** Make sure the page holding `index` is loaded or loading; tells `changed` when it arrives or fails. */
  ensure(index: number): void {
    const offset = this.pageStart(index);
    const failure = this.failures.get(offset);
    if (this.loading.has(offset) || (failure && !failure.due)) {
      return;
    }
    this.loading.add(offset);
    const generation = this.generation;
    this.fetchPage(offset, this.pageSize, false).then(
      page => {
        if (generation !== this.generation) {
          return;
        }
        this.loading.delete(offset);
        this.failures.delete(offset);
        page.rows.forEach((row, i) => {
          if (offset + i < this.count) {
            this.rows[offset + i] = row;
          }
        });
        this.changed();
      },
      (error: unknown) => {
        if (generation !== this.generation) {
          return;
        }
        this.loading.delete(offset);
        const attempts = (failure?.attempts ?? 0) + 1;
        const record: IFailure = { attempts, due: false, error: error instanceof Error ? error.message : String(error) };
        this.failures.set(offset, record);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          record.due = true;
          this.changed(); // the owner redraws, and asks again for the rows still in view
        }, this.retryDelay(attempts));
        this.timers.add(timer);
        this.changed();
      }
    );
  }

  /** Change rows in place (e.g. a status event); returns whether a loaded row matched. */
  update(predicate: (row: T) => boolean, change: (row: T) => void): boolean {
    const index = this.findIndex(predicate);
    if (index < 0) {
      return false;
    }
    change(this.rows[index]!);
    return true;
  }

  dispose(): void {
    this.generation++;
    this.clearTimers();
  }

  private pageStart(index: number): number {
    return Math.floor(index / this.pageSize) * this.pageSize;
  }

  private clearTimers(): void {
    this.timers.forEach(timer => clearTimeout(timer));
    this.timers.clear();
  }
}
