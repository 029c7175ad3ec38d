// Cloudflare Workers entry: the same app, with postgres.js over Hyperdrive opened per request.
import { createApp } from "./app";
import { loadConfig } from "./config";
import { openPostgres } from "./db/postgres";
import { creditRefresher } from "./features/credit/summaries";
import { ledgerUpkeep } from "./ledger/partitions";
import { systemClock } from "./lib/clock";
import { createLogger } from "./lib/logger";
import { loadServiceSecrets, type ServiceSecrets } from "./lib/secrets";

interface Env {
  HYPERDRIVE: { connectionString: string };
  [name: string]: unknown;
}

interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
}

// Secrets are read from the database once per isolate, not once per request.
let secrets: Promise<ServiceSecrets> | undefined;

const SCALAR_CDN = "https://cdn.jsdelivr.net/npm/@scalar/api-reference";

export default {
  async fetch(request: Request, env: Env, ctx: WorkerContext): Promise<Response> {
    const strings = Object.fromEntries(
      Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
    const config = loadConfig({ ...strings, DATABASE_URL: env.HYPERDRIVE.connectionString });
    // Hyperdrive pools connections on its side; a Worker keeps none between requests.
    // A connection lives for one request here: prepared statements would not be reused.
    const handle = openPostgres(env.HYPERDRIVE.connectionString, {
      max: 5,
      idleTimeoutSeconds: 1,
      prepare: false,
    });
    secrets ??= loadServiceSecrets(handle.db, config).catch((error) => {
      secrets = undefined;
      throw error;
    });
    let loaded: ServiceSecrets;
    try {
      loaded = await secrets;
    } catch {
      ctx.waitUntil(handle.close());
      // Without its secrets the service cannot hash anything; say so as every other error would.
      return new Response(
        JSON.stringify({
          type: "/problems/service_unavailable",
          title: "Service unavailable",
          status: 503,
          code: "service_unavailable",
          detail: "the database does not answer",
          instance: new URL(request.url).pathname,
          requestId: "",
        }),
        { status: 503, headers: { "Content-Type": "application/problem+json; charset=utf-8" } },
      );
    }
    const app = createApp({
      db: handle.db,
      dbKind: "postgres",
      ping: handle.ping,
      // The app lives for one request here, on that request's connection: there are no
      // concurrent sales or scans to gather, and a gathering window would only add its wait.
      config: { ...config, GROUP_COMMIT_MS: 0 },
      clock: systemClock,
      logger: createLogger(
        config.LOG_LEVEL,
        (line) => console.log(line),
        () => systemClock.now(),
      ),
      secrets: loaded,
      scalarBundleUrl: SCALAR_CDN,
    });
    // Work the app keeps going after its response (an EPCIS capture job) still needs the
    // connection: it is closed once that work is done, not when the response is.
    const background: Promise<unknown>[] = [];
    const requestCtx = {
      waitUntil: (promise: Promise<unknown>) => {
        background.push(promise);
      },
      passThroughOnException: () => {},
      props: {},
    };
    try {
      return await app.fetch(request, env, requestCtx as never);
    } finally {
      ctx.waitUntil(Promise.allSettled(background).then(() => handle.close()));
    }
  },

  /** The cron trigger of wrangler.toml: a Worker keeps no timers, so the credit refresher runs here. */
  async scheduled(_controller: unknown, env: Env, ctx: WorkerContext): Promise<void> {
    const handle = openPostgres(env.HYPERDRIVE.connectionString, {
      max: 1,
      idleTimeoutSeconds: 1,
      prepare: false,
    });
    const logger = createLogger(
      "info",
      (line) => console.log(line),
      () => systemClock.now(),
    );
    const pass = Promise.all([
      creditRefresher(handle.db, systemClock)().catch((error) =>
        logger.error("credit refresh failed", { error: String(error) }),
      ),
      // The ledger's months ahead and its statistics, daily (a Worker has no start-up).
      ledgerUpkeep(handle.db, systemClock).catch((error) =>
        logger.error("the ledger's upkeep failed", { error: String(error) }),
      ),
    ]).finally(() => handle.close());
    ctx.waitUntil(pass);
  },
};
