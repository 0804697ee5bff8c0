/**
 * Gathers what a chat sends in one go before it is submitted: the parts of an album (updates sharing a
 * `media_group_id` arrive one by one) and a text sent right after a video (its context). A batch is flushed once
 * the chat has been quiet for `quietMs`, when something else starts a new batch, or at shutdown. Flushing runs
 * outside the update handler, so the handler returns at once.
 */

export interface BatchItem<T> {
  value: T;
  /** Telegram media_group_id; undefined for a single video. */
  groupId?: string;
  /** The caption, if this part carries one. */
  caption?: string;
}

export interface Batch<T> {
  key: string;
  items: T[];
  /** The album's caption (the first part that has one), or the text sent right after. */
  context: string | undefined;
}

interface Pending<T> {
  items: T[];
  groupId?: string;
  context?: string;
  timer: NodeJS.Timeout;
}

export class Batcher<T> {
  private pending = new Map<string, Pending<T>>();
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly quietMs: number,
    private readonly flush: (batch: Batch<T>) => Promise<void>,
    private readonly onError: (error: unknown, batch: Batch<T>) => void,
  ) {}

  /** Adds a video; parts of the same album join the open batch, anything else closes it first. */
  add(key: string, item: BatchItem<T>): void {
    const open = this.pending.get(key);
    if (open && item.groupId !== undefined && open.groupId === item.groupId) {
      open.items.push(item.value);
      open.context ??= item.caption;
      this.arm(key, open);
      return;
    }
    if (open) this.release(key);
    const created: Pending<T> = { items: [item.value], groupId: item.groupId, context: item.caption, timer: undefined as unknown as NodeJS.Timeout };
    this.pending.set(key, created);
    this.arm(key, created);
  }

  /** A text right after a video without caption becomes its context (and closes the batch). False when there is none to take it. */
  attachText(key: string, text: string): boolean {
    const open = this.pending.get(key);
    if (!open || open.context !== undefined) return false;
    open.context = text;
    this.release(key);
    return true;
  }

  /** Batches not flushed yet plus flushes still running. */
  size(): number {
    return this.pending.size + this.inFlight.size;
  }

  /** Flushes everything now (shutdown) and waits for every flush to finish. */
  async drain(): Promise<void> {
    for (const key of [...this.pending.keys()]) this.release(key);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private arm(key: string, entry: Pending<T>) {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      if (this.pending.get(key) === entry) this.release(key);
    }, this.quietMs);
  }

  private release(key: string) {
    const entry = this.pending.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(key);
    const batch: Batch<T> = { key, items: entry.items, context: entry.context };
    const task = this.flush(batch).catch((error: unknown) => this.onError(error, batch));
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }
}
