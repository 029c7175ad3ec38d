// Node entry: read config, open the database, migrate, seed a new embedded one, serve, shut down gracefully.

import { lookup } from "node:dns/promises";
import { constants as fsConstants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { serve } from "@hono/node-server";
import { createApp } from "./app";
import { type Config, ConfigError, loadConfig, logOrigin, publicBaseUrl } from "./config";
import { migrate } from "./db/migrate";
import { oncePerPeriod } from "./db/periodic";
import { openPglite } from "./db/pglite";
import { openPostgres, openReplica } from "./db/postgres";
import { orgs } from "./db/schema";
import type { DatabaseHandle } from "./db/types";
import { describeDemo, seedDemo } from "./demo";
import { runPeriodicRules } from "./features/alerts/periodic";
import { startCreditRefresher } from "./features/credit/summaries";
import { captureDepsOf } from "./features/epcis/capture";
import { keptDocument, runCaptureJob } from "./features/epcis/capture-job";
import {
  failInterruptedCaptures,
  resumeInterruptedCaptures,
} from "./features/epcis/capture-recovery";
import { ensureDispatcher } from "./features/epcis/subscriptions";
import { libxml2Validator } from "./features/epcis/xml/libxml2-validator";
import { ensureBootstrapRegulator } from "./features/orgs/bootstrap";
import { checkpoint } from "./ledger/log";
import { ensureLedgerPartitions, ledgerUpkeep } from "./ledger/partitions";
import { systemClock } from "./lib/clock";
import { destinationPolicy } from "./lib/destinations";
import { createLogger } from "./lib/logger";
import { openRedisRateLimits } from "./lib/node-redis";
import { nodeWebSockets } from "./lib/node-websocket";
import { replicaRouting } from "./lib/read-replica";
import { loadServiceSecrets, type ServiceSecrets } from "./lib/secrets";
import { describeStartupError } from "./lib/startup-errors";
import { loadAsset } from "./node-assets";

/** How often the window-based alert rules run; their windows are hours, so minutes are fine. */
const PERIODIC_RULES_MS = 5 * 60_000;

async function isEmpty(handle: DatabaseHandle): Promise<boolean> {
  return (await handle.db.select({ id: orgs.id }).from(orgs).limit(1)).length === 0;
}

function fail(line: string): never {
  process.stderr.write(`zhuisu: ${line}\n`);
  process.exit(1);
}

async function openDatabase(config: Config): Promise<{ handle: DatabaseHandle; fresh: boolean }> {
  if (config.DATABASE_URL) {
    const handle = openPostgres(config.DATABASE_URL, { max: config.DATABASE_POOL_SIZE });
    await handle.ping();
    return { handle, fresh: false };
  }
  const dir = resolve(config.DATA_DIR);
  await mkdir(dir, { recursive: true });
  await access(dir, fsConstants.W_OK);
  const fresh = await access(resolve(dir, "PG_VERSION")).then(
    () => false,
    () => true,
  );
  return { handle: await openPglite(dir), fresh };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    fail(error instanceof ConfigError ? error.message : String(error));
  }
  const logger = createLogger(
    config.LOG_LEVEL,
    (line) => process.stdout.write(`${line}\n`),
    () => systemClock.now(),
  );

  let opened: { handle: DatabaseHandle; fresh: boolean };
  let secrets: ServiceSecrets;
  let demoText: string | null = null;
  try {
    opened = await openDatabase(config);
    await migrate(opened.handle);
    await ensureLedgerPartitions(opened.handle.db, systemClock.now());
    secrets = await loadServiceSecrets(opened.handle.db, config);
    // The demo goes only into an embedded database that holds nothing yet, never into a server.
    if (opened.handle.kind === "pglite" && config.SEED_DEMO && (await isEmpty(opened.handle))) {
      process.stdout.write(
        "zhuisu: new embedded database; seeding the demo data (several seconds)…\n",
      );
      demoText = describeDemo(await seedDemo(opened.handle, config, secrets), config.DATA_DIR);
    }
    if (config.BOOTSTRAP_REGULATOR_KEY) {
      const created = await ensureBootstrapRegulator(
        opened.handle.db,
        systemClock,
        config.BOOTSTRAP_REGULATOR_KEY,
      );
      if (created) logger.info("created the bootstrap regulator for BOOTSTRAP_REGULATOR_KEY");
    }
  } catch (error) {
    fail(describeStartupError(error, { dataDir: resolve(config.DATA_DIR) }));
  }
  const { handle } = opened;
  // Captures that a crashed process left running are run again here from the document they
  // keep, or failed when they kept none, so that their clients hear of an outcome.
  const captureDeps = captureDepsOf({
    db: handle.db,
    dbKind: handle.kind,
    clock: systemClock,
    logger,
  });
  const recoverInterrupted = async () => {
    try {
      const resumed = await resumeInterruptedCaptures(handle.db, handle.kind, systemClock, (job) =>
        runCaptureJob(captureDeps, job, keptDocument(job)!),
      );
      if (resumed > 0)
        logger.warn("ran again capture jobs whose process had died", { jobs: resumed });
      const failed = await failInterruptedCaptures(handle.db, handle.kind, systemClock);
      if (failed > 0) logger.warn("failed capture jobs whose process had died", { jobs: failed });
    } catch (error) {
      logger.error("could not check for interrupted captures", { error: String(error) });
    }
  };
  // In the background: a large capture run again must not hold up the start.
  void recoverInterrupted();

  const webSockets = nodeWebSockets();
  let redis: Awaited<ReturnType<typeof openRedisRateLimits>> | undefined;
  if (config.REDIS_URL) {
    try {
      redis = await openRedisRateLimits(config.REDIS_URL, logger, () =>
        systemClock.now().getTime(),
      );
    } catch (error) {
      fail(`cannot reach Redis at REDIS_URL (${String(error)})`);
    }
  }
  const replica = config.DATABASE_REPLICA_URL
    ? openReplica(config.DATABASE_REPLICA_URL, config.DATABASE_POOL_SIZE)
    : undefined;
  const app = createApp({
    db: handle.db,
    dbKind: handle.kind,
    ping: handle.ping,
    config,
    clock: systemClock,
    logger,
    secrets,
    scalarBundleUrl: "/assets/vendor/scalar/standalone.js",
    loadAsset,
    xmlValidator: libxml2Validator,
    resolveHost,
    upgradeWebSocket: webSockets.upgradeWebSocket,
    ...(redis ? { rateLimitStore: redis.store } : {}),
    ...(replica ? { replica: replicaRouting(replica.db) } : {}),
  });

  // Webhook subscriptions resume from their acknowledged position as soon as the process starts.
  ensureDispatcher({
    db: handle.db,
    dbKind: handle.kind,
    clock: systemClock,
    logger,
    destinations: destinationPolicy(config, resolveHost),
  });

  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST });
  webSockets.attach(app, server);
  server.on("error", (error) => fail(describeStartupError(error, { port: config.PORT })));
  server.on("listening", () => {
    const base = publicBaseUrl(config);
    const where =
      handle.kind === "pglite" ? `embedded database in ${resolve(config.DATA_DIR)}` : "PostgreSQL";
    process.stdout.write(
      [
        `zhuisu listening on http://${config.HOST}:${(server.address() as AddressInfo).port} (${where})`,
        `  console:    ${base}/console`,
        `  API docs:   ${base}/docs`,
        `  OpenAPI:    ${base}/openapi.json`,
        `  health:     ${base}/healthz  ${base}/readyz`,
        ...(demoText ? [demoText] : []),
        "",
      ].join("\n"),
    );
  });

  // Signs a checkpoint every few seconds while events arrive (a no-op when the log did not grow).
  let checkpointing = false;
  const checkpointTimer = setInterval(async () => {
    if (checkpointing) return;
    checkpointing = true;
    try {
      await checkpoint(handle.db, {
        signingKey: secrets.signingKey,
        origin: logOrigin(config),
        now: () => systemClock.now(),
      });
    } catch (error) {
      logger.error("checkpoint failed", { error: String(error) });
    } finally {
      checkpointing = false;
    }
  }, config.CHECKPOINT_INTERVAL_SECONDS * 1000);

  // Rules over time windows (sales and review bursts, review patterns) run every few minutes.
  const periodicTimer = setInterval(() => {
    // Every node runs the timer; one of them runs the rules for each period.
    oncePerPeriod(handle.db, systemClock, "alert-rules", PERIODIC_RULES_MS, () =>
      runPeriodicRules(handle.db, systemClock),
    ).catch((error) => logger.error("periodic alert rules failed", { error: String(error) }));
    ledgerUpkeep(handle.db, systemClock).catch((error) =>
      logger.error("the ledger's upkeep failed", { error: String(error) }),
    );
    // Another node's crash shows here: its jobs' locks went with its connections.
    if (handle.kind === "postgres") void recoverInterrupted();
  }, PERIODIC_RULES_MS);

  // Stored credit summaries whose evidence changed are recomputed here, never inside a page request.
  const stopCreditRefresher = startCreditRefresher(
    handle.db,
    systemClock,
    config.CREDIT_REFRESH_SECONDS,
    (error) => logger.error("credit refresh failed", { error: String(error) }),
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    clearInterval(checkpointTimer);
    clearInterval(periodicTimer);
    stopCreditRefresher();
    const force = setTimeout(() => {
      logger.warn("in-flight requests did not finish in time; exiting");
      process.exit(1);
    }, config.SHUTDOWN_GRACE_SECONDS * 1000);
    force.unref();
    // close() stops accepting connections and waits for in-flight requests to finish.
    server.close(async () => {
      await handle.close().catch(() => {});
      await replica?.close().catch(() => {});
      await redis?.close();
      process.exit(0);
    });
    if ("closeIdleConnections" in server) server.closeIdleConnections();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

void main();

async function resolveHost(host: string): Promise<string[]> {
  return (await lookup(host, { all: true })).map((a) => a.address);
}
