// Builds the real app for a test: its own database, a fixed clock, quiet logs, and request helpers.
import type { UpgradeWebSocket } from "hono/ws";
import { createApp } from "../src/app";
import { type Config, loadConfig } from "../src/config";
import type { DatabaseHandle } from "../src/db/types";
import { libxml2Validator } from "../src/features/epcis/xml/libxml2-validator";
import type { SaleBatcher } from "../src/features/events/sale-batch";
import type { ScanWriter } from "../src/features/scans/service";
import { FixedClock } from "../src/lib/clock";
import { createLogger, type LogLevel, silentLogger } from "../src/lib/logger";
import type { RateLimitStore } from "../src/lib/rate-limit";
import type { ReplicaRouting } from "../src/lib/read-replica";
import { loadServiceSecrets } from "../src/lib/secrets";
import { createTestDb } from "./db";

export interface TestApp {
  app: ReturnType<typeof createApp>;
  handle: DatabaseHandle;
  db: DatabaseHandle["db"];
  clock: FixedClock;
  config: Config;
  /** Sends a request; `json` sets the body and content type, `key` the bearer token. */
  request(
    method: string,
    path: string,
    options?: { json?: unknown; body?: BodyInit; key?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    LOG_LEVEL: "silent",
    PUBLIC_BASE_URL: "https://zhuisu.test",
    SEED_DEMO: "false",
    // Tests change evidence and read grades at once; the cache has its own test.
    CREDIT_REFRESH_SECONDS: "0",
    HASH_SECRET: "test-hash-secret-0123456789abcdef0123456789",
    ...overrides,
  });
}

export async function createTestApp(
  options: {
    config?: Record<string, string>;
    handle?: DatabaseHandle;
    clock?: FixedClock;
    /** Build the app as Workers do: without the XSD validator, so EPCIS XML capture is a 501. */
    withoutXml?: boolean;
    /** What host names resolve to (subscription destinations); the default resolves nothing. */
    resolveHost?: (host: string) => Promise<string[]>;
    /** WebSocket upgrades, for tests that serve the app on a real socket. */
    upgradeWebSocket?: UpgradeWebSocket;
    /** Shared rate-limit buckets, as several nodes with REDIS_URL have. */
    rateLimitStore?: RateLimitStore;
    /** A streaming replica for the public reads, as DATABASE_REPLICA_URL gives. */
    replica?: ReplicaRouting;
    /** The group commit of sales, made on the test's database (to read its counters). */
    sales?: (db: DatabaseHandle["db"]) => SaleBatcher;
    /** The batched scan writer, made on the test's database. */
    scans?: (db: DatabaseHandle["db"]) => ScanWriter;
  } = {},
): Promise<TestApp> {
  const handle = options.handle ?? (await createTestDb());
  const clock = options.clock ?? new FixedClock();
  const config = testConfig(options.config);
  const app = createApp({
    db: handle.db,
    dbKind: handle.kind,
    ping: handle.ping,
    config,
    clock,
    // TEST_LOG_LEVEL=error shows the stack behind a 500 while a test is being debugged.
    logger: process.env.TEST_LOG_LEVEL
      ? createLogger(process.env.TEST_LOG_LEVEL as LogLevel, console.error, () => new Date())
      : silentLogger,
    secrets: await loadServiceSecrets(handle.db, config),
    ...(options.withoutXml ? {} : { xmlValidator: libxml2Validator }),
    ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
    ...(options.sales ? { sales: options.sales(handle.db) } : {}),
    ...(options.scans ? { scans: options.scans(handle.db) } : {}),
    ...(options.upgradeWebSocket ? { upgradeWebSocket: options.upgradeWebSocket } : {}),
    ...(options.rateLimitStore ? { rateLimitStore: options.rateLimitStore } : {}),
    ...(options.replica ? { replica: options.replica } : {}),
  });
  return {
    app,
    handle,
    db: handle.db,
    clock,
    config,
    request: (method, path, opts = {}) => {
      const headers = new Headers(opts.headers);
      let body = opts.body;
      if (opts.json !== undefined) {
        headers.set("Content-Type", "application/json");
        body = JSON.stringify(opts.json);
      }
      if (opts.key) headers.set("Authorization", `Bearer ${opts.key}`);
      return Promise.resolve(app.request(`https://zhuisu.test${path}`, { method, headers, body }));
    },
    close: () => handle.close(),
  };
}
