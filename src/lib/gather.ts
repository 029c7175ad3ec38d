// Gathering concurrent requests into batches (group commit): the queue, the window and the batches in flight.

export interface Waiting<T, R> {
  value: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export interface GatherOptions {
  /** How long the first request of a batch waits for others. */
  windowMs: number;
  /** Requests per batch: a full batch goes at once. */
  maxBatch: number;
  /** Batches being written at once; the next one gathers meanwhile. */
  maxInFlight: number;
}

export interface Gatherer<T, R> {
  /** Queues `value` for the next batch; settles when its batch has been written. */
  submit(value: T): Promise<R>;
  /** Batches flushed and the largest so far (tests and the benchmark read them). */
  readonly stats: { batches: number; largest: number };
}

/**
 * Requests gather for `windowMs` (or until `maxBatch` wait) and are handed to `flush` together,
 * which settles each of them. A batch that throws rejects whoever `flush` left unsettled.
 */
export function gatherer<T, R>(
  options: GatherOptions,
  flush: (batch: Waiting<T, R>[]) => Promise<void>,
): Gatherer<T, R> {
  const queue: Waiting<T, R>[] = [];
  const stats = { batches: 0, largest: 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = 0;

  const flushNext = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (inFlight >= options.maxInFlight || queue.length === 0) return;
    const batch = queue.splice(0, options.maxBatch);
    inFlight += 1;
    stats.batches += 1;
    stats.largest = Math.max(stats.largest, batch.length);
    void flush(batch)
      .catch((error: unknown) => {
        for (const waiting of batch) waiting.reject(error);
      })
      .finally(() => {
        inFlight -= 1;
        // Those that arrived meanwhile have waited for this batch already: they go at once.
        flushNext();
      });
  };

  return {
    stats,
    submit(value) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ value, resolve, reject });
        if (queue.length >= options.maxBatch) flushNext();
        else if (timer === undefined && inFlight < options.maxInFlight)
          timer = setTimeout(flushNext, options.windowMs);
      });
    },
  };
}
