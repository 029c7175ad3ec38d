// Cloudflare Workers entry: the same app, with postgres.js over Hyperdrive opened per request.
import { createApp } from "./app";
import { loadConfig } from "./config";
import { openPostgres } from "./db/postgres";
import { systemClock } from "./lib/clock";
import { createLogger } from "./lib/logger";

interface Env {
  HYPERDRIVE: { connectionString: string };
  [name: string]: unknown;
}

interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
}

const SCALAR_CDN = "https://cdn.jsdelivr.net/npm/@scalar/api-reference";

export default {
  async fetch(request: Request, env: Env, ctx: WorkerContext): Promise<Response> {
    const strings = Object.fromEntries(
      Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
    const config = loadConfig({ ...strings, DATABASE_URL: env.HYPERDRIVE.connectionString });
    // Hyperdrive pools connections on its side; a Worker keeps none between requests.
    const handle = openPostgres(env.HYPERDRIVE.connectionString, { max: 5, idleTimeoutSeconds: 1 });
    const app = createApp({
      db: handle.db,
      dbKind: "postgres",
      ping: handle.ping,
      config,
      clock: systemClock,
      logger: createLogger(
        config.LOG_LEVEL,
        (line) => console.log(line),
        () => systemClock.now(),
      ),
      scalarBundleUrl: SCALAR_CDN,
    });
    try {
      return await app.fetch(request, env, ctx as never);
    } finally {
      ctx.waitUntil(handle.close());
    }
  },
};
