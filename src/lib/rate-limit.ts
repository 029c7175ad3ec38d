// Per-client token buckets for the public endpoints (scan pages, reviews, complaints, receipt tries,
// console logins and sign-ups).
//
// The buckets live in a store: in memory by default (one set per process, per isolate in Workers,
// so N nodes give a client N times the limit), or in Redis when REDIS_URL is set, so every node
// behind a load balancer counts against the same buckets. Lockouts that must hold across nodes
// whatever the store (receipt codes, console members) are kept in the database.
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

/** Where the buckets are kept. */
export interface RateLimitStore {
  /** Takes one token of `key`'s bucket at `nowMs`: 0 when allowed, else the seconds until the next token. */
  take(key: string, spec: BucketSpec, nowMs: number): Promise<number>;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Above this many tracked clients, buckets that have refilled completely are dropped. */
const MAX_TRACKED = 100_000;

/** The seconds to wait for a bucket holding `tokens` (below 1), at one token per `refillMs`. */
const waitFor = (tokens: number, spec: BucketSpec) =>
  Math.max(1, Math.ceil((1 - tokens) * (spec.refillMs / 1000)));

/** The buckets of this process. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly buckets = new Map<string, Bucket & { spec: BucketSpec }>();

  take(key: string, spec: BucketSpec, now: number): Promise<number> {
    const state = this.buckets.get(key) ?? { tokens: spec.capacity, at: now, spec };
    const earned = Math.max(0, now - state.at) / spec.refillMs;
    const tokens = Math.min(spec.capacity, state.tokens + earned);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now, spec });
      return Promise.resolve(waitFor(tokens, spec));
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now, spec });
    if (this.buckets.size > MAX_TRACKED) this.prune(now);
    return Promise.resolve(0);
  }

  get size(): number {
    return this.buckets.size;
  }

  private prune(now: number): void {
    for (const [key, state] of this.buckets) {
      if (state.tokens + (now - state.at) / state.spec.refillMs >= state.spec.capacity) {
        this.buckets.delete(key);
      }
    }
  }
}

/**
 * The same bucket, computed inside Redis in one script so that concurrent nodes cannot both take
 * the last token; a bucket expires once it would have refilled completely.
 */
const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) / refill)
local wait = 0
if tokens < 1 then
  wait = math.max(1, math.ceil((1 - tokens) * refill / 1000))
else
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * refill))
return wait
`;

/** What the Redis store needs of a client: EVAL (node-redis's signature). */
export interface RedisEval {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Buckets shared by every node, in Redis; unreachable Redis lets requests through (and says so). */
export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly redis: RedisEval,
    private readonly onError: (error: unknown) => void,
    private readonly prefix = "zs:rl:",
  ) {}

  async take(key: string, spec: BucketSpec, now: number): Promise<number> {
    try {
      const wait = await this.redis.eval(TAKE_SCRIPT, {
        keys: [`${this.prefix}${key}`],
        arguments: [String(spec.capacity), String(spec.refillMs), String(now)],
      });
      return Number(wait);
    } catch (error) {
      // Abuse protection must not take the scan page down with it.
      this.onError(error);
      return 0;
    }
  }
}

export class RateLimiter {
  constructor(
    private readonly clock: Clock,
    private readonly specs: Record<string, BucketSpec> = RATE_LIMITS,
    private readonly store: RateLimitStore = new MemoryRateLimitStore(),
  ) {}

  /** Takes one token; resolves to 0 when allowed, else the seconds until the next token. */
  take(bucket: string, client: string): Promise<number> {
    const spec = this.specs[bucket];
    if (!spec) throw new Error(`no rate limit named ${bucket}`);
    return this.store.take(`${bucket}\u0000${client}`, spec, this.clock.now().getTime());
  }

  /** Rejects with a 429 problem with Retry-After when the client has no token left. */
  async check(bucket: BucketName, client: string): Promise<void> {
    const wait = await this.take(bucket, client);
    if (wait > 0) throw rateLimited(`too many ${RATE_LIMITS[bucket].what} from this client`, wait);
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

const limiters = new WeakMap<Clock, WeakMap<RateLimitStore | typeof MEMORY, RateLimiter>>();
const MEMORY = {};

/**
 * The limiter of a clock and a store (the app's REDIS_URL store, or this process's memory).
 * Keyed by the clock rather than the app: the Workers entry builds an app per request but shares
 * one clock per isolate, and each test app has its own clock.
 */
export function limiterFor(clock: Clock, store?: RateLimitStore): RateLimiter {
  let byStore = limiters.get(clock);
  if (!byStore) {
    byStore = new WeakMap();
    limiters.set(clock, byStore);
  }
  let limiter = byStore.get(store ?? MEMORY);
  if (!limiter) {
    limiter = new RateLimiter(clock, RATE_LIMITS, store);
    byStore.set(store ?? MEMORY, limiter);
  }
  return limiter;
}
