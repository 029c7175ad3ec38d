// The Workers entry: bundles offline without PGlite, and answers /readyz in workerd against PostgreSQL.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDb } from "./db";

const serverUrl = process.env.TEST_DATABASE_URL;
if (!serverUrl) {
  console.warn(
    "worker.test: the workerd run needs TEST_DATABASE_URL (a PostgreSQL server); only the bundle is checked",
  );
}

function run(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn("npx", ["wrangler", ...args], {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so that stopping it also stops workerd beneath npx and wrangler.
    detached: true,
  });
}

const outdir = await mkdtemp(join(tmpdir(), "zhuisu-worker-"));
afterAll(() => rm(outdir, { recursive: true, force: true }));

describe("Workers entry", () => {
  it("bundles offline with `wrangler deploy --dry-run`, without PGlite", {
    timeout: 120_000,
  }, async () => {
    const child = run(["deploy", "--dry-run", "--outdir", outdir]);
    let output = "";
    child.stdout?.on("data", (d) => (output += d));
    child.stderr?.on("data", (d) => (output += d));
    const code = await new Promise<number | null>((r) => child.on("close", r));
    expect(code, output).toBe(0);
    const bundle = await readFile(join(outdir, "worker.js"), "utf8");
    expect(bundle).toContain("HYPERDRIVE");
    expect(bundle).not.toMatch(/@electric-sql\/pglite|pglite\.wasm/);
  });

  it.skipIf(!serverUrl)(
    "answers /readyz in workerd against the local PostgreSQL",
    { timeout: 120_000 },
    async () => {
      // A migrated database of its own: the worker reads its secrets from the service's tables.
      const db = await createTestDb({ poolSize: 1 });
      const url = new URL(db.url!);
      if (!url.password) url.password = "unused"; // Miniflare insists on one; trust auth ignores it.
      const port = 18_000 + (process.pid % 1000);
      const child = run(
        [
          "dev",
          "--port",
          String(port),
          "--ip",
          "127.0.0.1",
          "--show-interactive-dev-session=false",
        ],
        {
          CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: url.toString(),
        },
      );
      let output = "";
      child.stdout?.on("data", (d) => (output += d));
      child.stderr?.on("data", (d) => (output += d));
      try {
        let res: Response | undefined;
        for (let i = 0; i < 120 && !res; i++) {
          await new Promise((r) => setTimeout(r, 500));
          res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        }
        expect(res?.status, output).toBe(200);
        expect(await res?.json()).toEqual({ status: "ready", database: "postgres" });
        const missing = await fetch(`http://127.0.0.1:${port}/nope`);
        expect(missing.status).toBe(404);
        expect(missing.headers.get("content-type")).toMatch(/problem\+json/);
      } finally {
        const group = -(child.pid ?? 0);
        process.kill(group, "SIGTERM");
        await new Promise((r) => setTimeout(r, 1000));
        try {
          process.kill(group, "SIGKILL");
        } catch {
          // already gone
        }
      }
    },
  );
});
