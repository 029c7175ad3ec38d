// The Workers entry: bundles offline without PGlite, answers requests in workerd against PostgreSQL, runs its cron trigger.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { rowsOf } from "../src/db/rows";
import { registerOrg } from "../src/features/orgs/service";
import { FixedClock } from "../src/lib/clock";
import { createTestDb } from "./db";
import { makeUscc } from "./factories";

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

/** A verified carrier with an API key, written straight into the worker's database. */
async function makeCarrier(db: Awaited<ReturnType<typeof createTestDb>>) {
  const clock = new FixedClock(new Date("2026-11-01T00:00:00Z"));
  const { org, key } = await registerOrg(
    db.db,
    { clock, hashSecret: "worker-test" },
    {
      kind: "enterprise",
      nameZh: "测试物流企业",
      uscc: makeUscc(),
      roles: ["logistics"],
      regionCode: "331003",
      licences: [],
    },
    null,
  );
  await db.db.execute(sql`update orgs set status = 'verified' where id = ${org.id}`);
  return { key: key.key };
}

const captureDocument = {
  "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
  type: "EPCISDocument",
  schemaVersion: "2.0",
  creationDate: "2026-11-01T00:00:00Z",
  epcisBody: {
    eventList: [
      {
        type: "ObjectEvent",
        eventTime: "2026-11-01T08:00:00Z",
        eventTimeZoneOffset: "+08:00",
        action: "OBSERVE",
        epcList: ["urn:epc:id:sgtin:6970000.000101.W1"],
        bizStep: "receiving",
        disposition: "in_progress",
      },
    ],
  },
};

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
          "--test-scheduled",
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

        // An EPCIS capture: validated without compiling code (Workers forbid it) and stored by a
        // job that outlives its response on the request's connection.
        const { key } = await makeCarrier(db);
        const auth = { Authorization: `Bearer ${key}` };
        const accepted = await fetch(`http://127.0.0.1:${port}/epcis/capture`, {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/ld+json" },
          body: JSON.stringify(captureDocument),
        });
        expect(accepted.status, await accepted.clone().text()).toBe(202);
        const location = accepted.headers.get("location")!;
        let job: { running?: boolean; success?: boolean; errors?: unknown[] } = {};
        for (let i = 0; i < 60; i++) {
          job = await (
            await fetch(`http://127.0.0.1:${port}${location}`, { headers: auth })
          ).json();
          if (job.running === false) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        expect(job, output).toMatchObject({ running: false, success: true });
        const refused = await fetch(`http://127.0.0.1:${port}/epcis/capture`, {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/ld+json" },
          body: JSON.stringify({ ...captureDocument, schemaVersion: 2 }),
        });
        expect(refused.status).toBe(400);
        expect(await refused.json()).toMatchObject({ code: "epcis_validation" });

        // XML capture needs libxml2's XSD validation, which workerd cannot run: a clear 501.
        // XML query answers are plain code and work.
        const xml = await fetch(`http://127.0.0.1:${port}/epcis/capture`, {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/xml" },
          body: '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2026-06-01T00:00:00Z"><EPCISBody><EventList/></EPCISBody></epcis:EPCISDocument>',
        });
        expect(xml.status).toBe(501);
        expect(await xml.json()).toMatchObject({
          code: "not_implemented",
          epcisException: "epcisException:ImplementationException",
        });
        const answer = await fetch(`http://127.0.0.1:${port}/epcis/events`, {
          headers: { ...auth, Accept: "application/xml" },
        });
        expect(answer.status).toBe(200);
        expect(answer.headers.get("content-type")).toContain("application/xml");
        expect(await answer.text()).toContain("<epcisq:EPCISQueryDocument");

        // The cron trigger runs the credit refresher: the carrier's summary, stale since it was
        // registered, gets computed.
        const stale = async () =>
          rowsOf<{ n: number }>(
            await db.db.execute(
              sql`select count(*)::int as n from credit_summaries where dirty_seq > clean_seq`,
            ),
          )[0]?.n;
        expect(await stale()).toBeGreaterThan(0);
        const cron = await fetch(`http://127.0.0.1:${port}/__scheduled?cron=*+*+*+*+*`);
        expect(cron.status, output).toBe(200);
        let left = await stale();
        for (let i = 0; i < 40 && left !== 0; i++) {
          await new Promise((r) => setTimeout(r, 250));
          left = await stale();
        }
        expect(left, output).toBe(0);
      } finally {
        const group = -(child.pid ?? 0);
        try {
          process.kill(group, "SIGTERM");
        } catch {
          // wrangler already exited (its output is in the failure above)
        }
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
