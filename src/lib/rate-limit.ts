// Per-client token buckets for the public endpoints (scan pages, reviews, complaints, receipt tries).
//
// In memory, one set of buckets per process (per isolate in Workers): with several API nodes
// behind a load balancer each node counts on its own, so a client gets up to (nodes × limit). That is acceptable for
// abuse protection; the receipt-code lockout, which must hold across nodes, is kept in the
// database instead (features/feedback/receipt-guard.ts).
import type { Clock } from "./clock";
import { AppError } from "./errors";

export interface BucketSpec {
  /** Requests a client may make at once. */
  capacity: number;
  /** Milliseconds to earn back one request. */
  refillMs: number;
  /** What the limit protects, for the 429 message. */
  what: string;
}

/**
 * The documented limits (docs/consumer.md). Keyed by client fingerprint, never by raw IP.
 * - scan: opening scan pages, their JSON and linksets, review lists. A person scans a few codes a
 *   minute; 60 at once and one a second after that leaves room for a shop assistant checking a
 *   shelf while stopping a scraper walking serials.
 * - write: confirming receipt, reviews, follow-ups, sharing a location. A buyer does each once per
 *   item; 10 at once, then one a minute.
 * - complaint: 5 at once, then one every 12 minutes (5 an hour). A real complainant files one;
 *   a flood from one client is refused before anything is written.
 * - login: console logins, 20 at once, then one every 30 s. A person mistypes a few times; a
 *   password sprayer from one client is slowed down. The per-member lockout (members/sessions.ts)
 *   is kept in the database and holds across nodes.
 * - register: console sign-ups, 5 at once, then one every 10 minutes: an office registers one
 *   organisation, a script filling the queue of regulators is stopped.
 */
export const RATE_LIMITS = {
  scan: { capacity: 60, refillMs: 1_000, what: "scan pages" },
  write: { capacity: 10, refillMs: 60_000, what: "receipt confirmations and reviews" },
  complaint: { capacity: 5, refillMs: 12 * 60_000, what: "complaints" },
  login: { capacity: 20, refillMs: 30_000, what: "login attempts" },
  register: { capacity: 5, refillMs: 10 * 60_000, what: "registrations" },
} as const satisfies Record<string, BucketSpec>;

export type BucketName = keyof typeof RATE_LIMITS;

interface Bucket {
  tokens: number;
  at: number;
}

/** Above this many tracked clients, buckets that have refilled completely are dropped. */
const MAX_TRACKED = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly specs: Record<string, BucketSpec> = RATE_LIMITS,
  ) {}

  /** Takes one token; returns 0 when allowed, else the seconds until the next token. */
  take(bucket: string, client: string): number {
    const spec = this.specs[bucket];
    if (!spec) throw new Error(`no rate limit named ${bucket}`);
    const now = this.clock.now().getTime();
    const key = `${bucket}\u0000${client}`;
    const state = this.buckets.get(key) ?? { tokens: spec.capacity, at: now };
    const earned = Math.max(0, now - state.at) / spec.refillMs;
    const tokens = Math.min(spec.capacity, state.tokens + earned);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return Math.max(1, Math.ceil((1 - tokens) * (spec.refillMs / 1000)));
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > MAX_TRACKED) this.prune(now);
    return 0;
  }

  /** Throws a 429 problem with Retry-After when the client has no token left. */
  check(bucket: BucketName, client: string): void {
    const wait = this.take(bucket, client);
    if (wait > 0) throw rateLimited(`too many ${RATE_LIMITS[bucket].what} from this client`, wait);
  }

  get size(): number {
    return this.buckets.size;
  }

  private prune(now: number): void {
    for (const [key, state] of this.buckets) {
      const spec = this.specs[key.slice(0, key.indexOf("\u0000"))];
      if (!spec || state.tokens + (now - state.at) / spec.refillMs >= spec.capacity) {
        this.buckets.delete(key);
      }
    }
  }
}

export function rateLimited(what: string, retryAfterSeconds: number): AppError {
  const wait = Math.max(1, Math.ceil(retryAfterSeconds));
  return new AppError(
    "rate_limited",
    `${what}; try again in ${wait} seconds`,
    { retryAfter: wait },
    { "Retry-After": String(wait) },
  );
}

const limiters = new WeakMap<Clock, RateLimiter>();

/**
 * The limiter that goes with a clock. Keyed by the clock rather than the app: the Workers entry
 * builds an app per request but shares one clock per isolate, and each test app has its own clock.
 */
export function limiterFor(clock: Clock): RateLimiter {
  let limiter = limiters.get(clock);
  if (!limiter) {
    limiter = new RateLimiter(clock);
    limiters.set(clock, limiter);
  }
  return limiter;
}
