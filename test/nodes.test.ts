// Several API nodes over one database: with REDIS_URL their rate limits are one set of buckets, so a
// client gets the documented limit however the load balancer spreads its requests.
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixedClock } from "../src/lib/clock";
import { randomString } from "../src/lib/random";
import { RATE_LIMITS, RedisRateLimitStore } from "../src/lib/rate-limit";
import { createTestApp, type TestApp } from "./app";
import { requiredService } from "./helpers/required-tool";

const redisUrl = requiredService(
  "TEST_REDIS_URL",
  "multi-node tests",
  "e.g. TEST_REDIS_URL=redis://127.0.0.1:6379",
);

let clients: { quit(): Promise<unknown> }[] = [];
let nodes: TestApp[] = [];

beforeAll(async () => {
  if (!redisUrl) return;
  const prefix = `zs:test:${randomString(8)}:`;
  const first = await createTestApp();
  const clock = first.clock;
  await first.close();
  // Two nodes: each its own app and Redis connection, one database, one clock, one key space.
  const shared = await createTestApp({ clock });
  nodes = [shared];
  for (let i = 0; i < 2; i++) {
    const client = createClient({ url: redisUrl });
    await client.connect();
    clients.push(client);
    const store = new RedisRateLimitStore(
      client,
      (error) => {
        throw error;
      },
      prefix,
    );
    nodes.push(await createTestApp({ handle: shared.handle, clock, rateLimitStore: store }));
  }
});
afterAll(async () => {
  for (const c of clients) await c.quit();
  clients = [];
  await nodes[0]?.close();
  nodes = [];
});

describe.skipIf(!redisUrl)("two nodes sharing Redis", () => {
  it("give one client the scan limit once, not once per node", async () => {
    const [, a, b] = nodes;
    const headers = { "X-Forwarded-For": "203.0.113.9", "User-Agent": "one phone" };
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMITS.scan.capacity + 2; i++) {
      const node = i % 2 === 0 ? a! : b!;
      const res = await node.request("GET", "/01/06901234567892", { headers });
      statuses.push(res.status);
    }
    const refused = statuses.filter((s) => s === 429).length;
    expect(refused).toBe(2);
    expect(statuses.slice(0, RATE_LIMITS.scan.capacity)).not.toContain(429);
  });

  it("keep counting on each node by itself without Redis (the documented single-node default)", async () => {
    const [shared] = nodes;
    const alone = await createTestApp({ handle: shared!.handle, clock: new FixedClock() });
    const headers = { "X-Forwarded-For": "203.0.113.10", "User-Agent": "another phone" };
    let refused = 0;
    for (let i = 0; i < RATE_LIMITS.scan.capacity; i++) {
      if ((await alone.request("GET", "/01/06901234567892", { headers })).status === 429) refused++;
    }
    expect(refused).toBe(0);
  });
});
