// The Node entry's Redis (REDIS_URL): the rate-limit buckets every node shares. Commands fail at once
// while Redis is unreachable (no queue), and the limiter then lets requests through and logs it.
import { createClient } from "redis";
import type { Logger } from "./logger";
import { RedisRateLimitStore } from "./rate-limit";

/** How often an unreachable Redis is reported, at most. */
const REPORT_EVERY_MS = 60_000;

export async function openRedisRateLimits(
  url: string,
  logger: Logger,
  now: () => number,
): Promise<{ store: RedisRateLimitStore; close(): Promise<void> }> {
  const client = createClient({ url, disableOfflineQueue: true });
  let reported = 0;
  const report = (error: unknown) => {
    if (now() - reported < REPORT_EVERY_MS) return;
    reported = now();
    logger.warn("redis unreachable; rate limits are not enforced until it is back", {
      error: String(error),
    });
  };
  client.on("error", report);
  await client.connect();
  return {
    store: new RedisRateLimitStore(client, report),
    close: async () => {
      await client.quit().catch(() => {});
    },
  };
}
