// Load generation shared by the benchmark and the profiler: client loops, percentiles, client addresses.

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `clients` loops calling `once` until `seconds` pass; returns requests/s and latency percentiles (ms). */
export async function load(clients: number, seconds: number, once: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  /** The slowest request that ended in each second of the run: where in the run a tail sits. */
  const worstBySecond: number[] = [];
  const until = performance.now() + seconds * 1000;
  let n = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const i = n++;
        const t0 = performance.now();
        await once(i);
        const ended = performance.now();
        latencies.push(ended - t0);
        const second = Math.floor((ended - started) / 1000);
        worstBySecond[second] = Math.max(worstBySecond[second] ?? 0, ended - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    worstBySecond: Array.from(worstBySecond, (ms) => Math.round(ms ?? 0)),
  };
}

/**
 * A distinct phone for request `i`: the scan rate limit counts per /24 network, so each request
 * comes from its own network, as scans of many consumers would.
 */
export const clientAddress = (i: number) => `10.${(i >> 8) & 255}.${i & 255}.7`;
