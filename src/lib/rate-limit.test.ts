// Token buckets in both stores: this process's memory, and Redis shared by several nodes.
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requiredService } from "../../test/helpers/required-tool";
import { FixedClock } from "./clock";
import { randomString } from "./random";
import {
  MemoryRateLimitStore,
  RateLimiter,
  type RateLimitStore,
  RedisRateLimitStore,
} from "./rate-limit";

const SPEC = { t: { capacity: 3, refillMs: 10_000, what: "tests" } };
const redisUrl = requiredService(
  "TEST_REDIS_URL",
  "Redis rate-limit tests",
  "e.g. TEST_REDIS_URL=redis://127.0.0.1:6379",
);

let redis: ReturnType<typeof createClient> | undefined;
beforeAll(async () => {
  if (!redisUrl) return;
  redis = createClient({ url: redisUrl });
  await redis.connect();
});
afterAll(async () => {
  await redis?.quit();
});

/** A store per test, in its own key space, so runs never meet. */
const stores: [string, () => RateLimitStore][] = [
  ["memory", () => new MemoryRateLimitStore()],
  ...(redisUrl
    ? ([
        [
          "redis",
          () =>
            new RedisRateLimitStore(
              redis!,
              (error) => {
                throw error;
              },
              `zs:test:${randomString(8)}:`,
            ),
        ],
      ] as [string, () => RateLimitStore][])
    : []),
];

describe.each(stores)("token buckets in %s", (_name, makeStore) => {
  it("allow the burst, then one per refill interval, and say how long to wait", async () => {
    const clock = new FixedClock();
    const limiter = new RateLimiter(clock, SPEC, makeStore());
    const take = (client: string) => limiter.take("t", client);
    expect([await take("a"), await take("a"), await take("a")]).toEqual([0, 0, 0]);
    expect(await take("a")).toBe(10);
    expect(await take("b")).toBe(0);
    clock.advance(5_000);
    expect(await take("a")).toBe(5);
    clock.advance(5_000);
    expect(await take("a")).toBe(0);
    clock.advance(3_600_000);
    const after = [];
    for (let i = 0; i < 4; i++) after.push(await take("a"));
    expect(after).toEqual([0, 0, 0, 10]);
  });

  it("refuse with a 429 problem that carries Retry-After", async () => {
    const clock = new FixedClock();
    const limiter = new RateLimiter(clock, { ...SPEC, scan: SPEC.t }, makeStore());
    for (let i = 0; i < 3; i++) await limiter.check("scan", "c");
    await expect(limiter.check("scan", "c")).rejects.toMatchObject({
      code: "rate_limited",
      headers: { "Retry-After": "10" },
    });
  });
});

describe.skipIf(!redisUrl)("Redis buckets across nodes", () => {
  it("count a client once however many nodes it reaches, even when they ask at once", async () => {
    const prefix = `zs:test:${randomString(8)}:`;
    const clock = new FixedClock();
    const fail = (error: unknown) => {
      throw error;
    };
    // Two nodes: two limiters, two clients of the same Redis.
    const other = createClient({ url: redisUrl! });
    await other.connect();
    try {
      const a = new RateLimiter(clock, SPEC, new RedisRateLimitStore(redis!, fail, prefix));
      const b = new RateLimiter(clock, SPEC, new RedisRateLimitStore(other, fail, prefix));
      const answers = await Promise.all([
        a.take("t", "x"),
        b.take("t", "x"),
        a.take("t", "x"),
        b.take("t", "x"),
        b.take("t", "x"),
      ]);
      expect(answers.filter((w) => w === 0)).toHaveLength(3);
      expect(answers.filter((w) => w > 0)).toHaveLength(2);
    } finally {
      await other.quit();
    }
  });

  it("let requests through, and report it, when Redis cannot be reached", async () => {
    const errors: unknown[] = [];
    const broken = {
      eval: () => Promise.reject(new Error("connection refused")),
    };
    const limiter = new RateLimiter(
      new FixedClock(),
      SPEC,
      new RedisRateLimitStore(broken, (e) => errors.push(e)),
    );
    for (let i = 0; i < 5; i++) expect(await limiter.take("t", "y")).toBe(0);
    expect(errors).toHaveLength(5);
  });
});
