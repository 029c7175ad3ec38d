// A node killed with SIGKILL in the middle of an EPCIS capture: another process runs the job again from the document it kept, and every event is stored once.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { rowsOf } from "../src/db/rows";
import { keptDocument, runCaptureJob } from "../src/features/epcis/capture-job";
import { resumeInterruptedCaptures } from "../src/features/epcis/capture-recovery";
import { documentOf, objectEvent } from "../src/features/epcis/test-helpers";
import { registerOrg } from "../src/features/orgs/service";
import { FixedClock } from "../src/lib/clock";
import { silentLogger } from "../src/lib/logger";
import { createTestDb } from "./db";
import { makeUscc } from "./factories";

const onServer = Boolean(process.env.TEST_DATABASE_URL);
if (!onServer) {
  console.warn("crash.test skipped: a killed node's locks are PostgreSQL's (TEST_DATABASE_URL)");
}

const EVENTS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill("SIGKILL");
});

describe.skipIf(!onServer)("a node killed mid-capture", () => {
  it("leaves a job that another process finishes, every event stored once", {
    timeout: 120_000,
  }, async () => {
    execFileSync(process.execPath, ["scripts/build.mjs", "--if-stale"]);
    const db = await createTestDb({ poolSize: 2 });
    try {
      const clock = new FixedClock(new Date());
      const { org, key } = await registerOrg(
        db.db,
        { clock, hashSecret: "crash-test" },
        {
          kind: "enterprise",
          nameZh: "测试生产企业",
          uscc: makeUscc(),
          roles: ["producer"],
          regionCode: "331003",
          licences: [],
        },
        null,
      );
      await db.db.execute(sql`update orgs set status = 'verified' where id = ${org.id}`);

      const port = await freePort();
      let output = "";
      child = spawn(process.execPath, ["dist/node.js"], {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          DATABASE_URL: db.url!,
          PORT: String(port),
          SEED_DEMO: "false",
          LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout?.on("data", (d) => (output += d));
      child.stderr?.on("data", (d) => (output += d));
      const base = `http://127.0.0.1:${port}`;
      let ready = false;
      for (let i = 0; i < 100 && !ready; i++) {
        await sleep(200);
        ready = (await fetch(`${base}/readyz`).catch(() => null))?.status === 200;
      }
      expect(ready, output).toBe(true);

      const doc = documentOf(
        Array.from({ length: EVENTS }, (_, i) =>
          objectEvent([`urn:epc:id:sgtin:0614141.107346.K${i}`]),
        ),
      );
      const accepted = await fetch(`${base}/epcis/capture`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${key.key}`,
          "Content-Type": "application/ld+json",
          "GS1-Capture-Error-Behaviour": "rollback",
        },
        body: JSON.stringify(doc),
      });
      expect(accepted.status, await accepted.clone().text()).toBe(202);
      const jobId = accepted.headers.get("location")!.split("/").pop()!;
      await sleep(300);
      child.kill("SIGKILL");
      await new Promise((r) => child!.once("exit", r));

      const status = async () =>
        rowsOf<{ status: string }>(
          await db.db.execute(sql`select status from epcis_capture_jobs where id = ${jobId}`),
        )[0]?.status;
      // The job's status as the dead node left it: running, unless it had finished in 300 ms.
      const left = await status();
      expect(["running", "success"]).toContain(left);
      // Past the grace period, the sweep of any node runs it again from the document its job
      // kept, once PostgreSQL has dropped the dead node's connections (and with them its lock).
      const later = new FixedClock(new Date(Date.now() + 60_000));
      const deps = { db: db.db, clock: later, logger: silentLogger, concurrentAppends: true };
      for (let i = 0; i < 50 && (await status()) === "running"; i++) {
        await resumeInterruptedCaptures(db.db, "postgres", later, (job) =>
          runCaptureJob(deps, job, keptDocument(job)!),
        );
        if ((await status()) === "running") await sleep(200);
      }
      expect(await status()).toBe("success");

      const [stored] = rowsOf<{ n: number }>(
        await db.db.execute(
          sql`select count(*)::int as n from events where actor_org_id = ${org.id}`,
        ),
      );
      // Finished: every event once, whatever moment the kill came at.
      expect(stored!.n).toBe(EVENTS);
    } finally {
      child?.kill("SIGKILL");
      await db.close();
    }
  });
});
