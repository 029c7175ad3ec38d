// The server the benchmark measures, in its own process: the app as src/node.ts serves it (same
// database options, read replica, checkpoint timer, credit refresher), plus a hello-world Hono route in the same process as the
// baseline. Prints one JSON line `{"port": …, "startMs": …}` once it listens.
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createApp } from "../src/app";
import { loadConfig, logOrigin } from "../src/config";
import { openPglite } from "../src/db/pglite";
import { openPostgres, openReplica } from "../src/db/postgres";
import { startCreditRefresher } from "../src/features/credit/summaries";
import { checkpoint } from "../src/ledger/log";
import { systemClock } from "../src/lib/clock";
import { silentLogger } from "../src/lib/logger";
import { replicaRouting } from "../src/lib/read-replica";
import { loadServiceSecrets } from "../src/lib/secrets";

const started = performance.now();
const config = loadConfig(process.env);
const handle = config.DATABASE_URL
  ? openPostgres(config.DATABASE_URL, { max: config.DATABASE_POOL_SIZE })
  : await openPglite(resolve(config.DATA_DIR));
const secrets = await loadServiceSecrets(handle.db, config);
// As in src/node.ts: the public reads go to a streaming replica when one is given.
const replica = config.DATABASE_REPLICA_URL
  ? openReplica(config.DATABASE_REPLICA_URL, config.DATABASE_POOL_SIZE)
  : undefined;
const app = createApp({
  db: handle.db,
  dbKind: handle.kind,
  ping: handle.ping,
  config,
  clock: systemClock,
  logger: silentLogger,
  secrets,
  ...(replica ? { replica: replicaRouting(replica.db) } : {}),
});
const bench = new Hono()
  .get("/__hello", (c) => c.text("hello"))
  // Where the resident memory is: V8's heap, buffers outside it, or neither (the embedded database).
  .get("/__memory", (c) => {
    // Under --expose-gc the figures are taken after a full collection: what is kept, not garbage.
    (globalThis as { gc?: () => void }).gc?.();
    return c.json(process.memoryUsage());
  });
const server = serve({
  fetch: (req) => (new URL(req.url).pathname.startsWith("/__") ? bench.fetch(req) : app.fetch(req)),
  port: 0,
  hostname: "127.0.0.1",
});
server.once("listening", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ port, startMs: performance.now() - started })}\n`);
});

// As in src/node.ts: the log is checkpointed every few seconds while events arrive.
let checkpointing = false;
const timer = setInterval(async () => {
  if (checkpointing) return;
  checkpointing = true;
  try {
    await checkpoint(handle.db, {
      signingKey: secrets.signingKey,
      origin: logOrigin(config),
      now: () => systemClock.now(),
    });
  } catch (error) {
    process.stderr.write(`checkpoint failed: ${String(error)}\n`);
  } finally {
    checkpointing = false;
  }
}, config.CHECKPOINT_INTERVAL_SECONDS * 1000);

// As in src/node.ts: stored credit summaries are recomputed off the request path.
const stopCreditRefresher = startCreditRefresher(
  handle.db,
  systemClock,
  config.CREDIT_REFRESH_SECONDS,
  (error) => process.stderr.write(`credit refresh failed: ${String(error)}\n`),
);

process.on("SIGTERM", () => {
  clearInterval(timer);
  stopCreditRefresher();
  server.close(async () => {
    await replica?.close();
    await handle.close();
    process.exit(0);
  });
});
