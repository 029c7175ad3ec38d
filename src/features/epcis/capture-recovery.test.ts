// A capture job whose process died is failed with a reason, never left running; a live one is left alone.
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { onPostgres } from "../../../test/db";
import { makeOrg, type OrgWithKey } from "../../../test/factories";
import { epcisCaptureJobs } from "../../db/schema";
import { silentLogger } from "../../lib/logger";
import { prepareDocument } from "./capture";
import { createCaptureJob, keptDocument, runCaptureJob } from "./capture-job";
import { failInterruptedCaptures, resumeInterruptedCaptures } from "./capture-recovery";
import { type CaptureJobBody, capture, documentOf, objectEvent } from "./test-helpers";

let t: TestApp;
let producer: OrgWithKey;
beforeAll(async () => {
  t = await createTestApp();
  producer = await makeOrg(t, ["producer"]);
});
afterAll(() => t.close());

const kind = onPostgres ? "postgres" : "pglite";
let jobs = 0;
/** A job row as a capture that is still running (or whose process died) leaves it. */
async function runningJob(ageMs: number) {
  const id = `capinterrupted${++jobs}`;
  await t.db.insert(epcisCaptureJobs).values({
    id,
    status: "running",
    behaviour: "rollback",
    capturedByOrgId: producer.org.id,
    eventCount: 3,
    createdAt: new Date(t.clock.now().getTime() - ageMs),
  });
  return id;
}
async function jobView(id: string) {
  const res = await t.request("GET", `/epcis/capture/${id}`, { key: producer.key });
  expect(res.status).toBe(200);
  return (await res.json()) as CaptureJobBody;
}

describe("a rollback capture's outcome", () => {
  it("commits with its events: a node that dies right after the commit leaves the job finished", async () => {
    const doc = documentOf([
      objectEvent(["urn:epc:id:sgtin:0614141.107346.OUT1"]),
      objectEvent(["urn:epc:id:sgtin:0614141.107346.OUT2"]),
    ]);
    const prepared = prepareDocument(doc);
    const deps = { db: t.db, clock: t.clock, logger: silentLogger, concurrentAppends: false };
    const job = await createCaptureJob(deps, prepared, "rollback", producer.org.id);
    // After the events' transaction, every write of this node fails, as if it had died there.
    const dead = new Proxy(t.db, {
      get(target, name, receiver) {
        if (name === "update")
          return () => {
            throw new Error("the node died after the commit");
          };
        return Reflect.get(target, name, receiver);
      },
    });
    await runCaptureJob({ ...deps, db: dead }, job, prepared);
    const view = await jobView(job.id);
    expect(view.status).toBe("success");
    expect(view.capturedCount).toBe(2);
  });
});

describe("a capture whose process died", () => {
  const deps = () => ({ db: t.db, clock: t.clock, logger: silentLogger, concurrentAppends: false });
  /** A job as a node that accepted it and died at once leaves it: running, its document kept. */
  async function abandoned(epcs: string[]) {
    const prepared = prepareDocument(documentOf(epcs.map((e) => objectEvent([e]))));
    const job = await createCaptureJob(deps(), prepared, "rollback", producer.org.id);
    await t.db
      .update(epcisCaptureJobs)
      .set({ createdAt: new Date(t.clock.now().getTime() - 60_000) })
      .where(eq(epcisCaptureJobs.id, job.id));
    return job.id;
  }
  const resume = () =>
    resumeInterruptedCaptures(t.db, kind, t.clock, (job) =>
      runCaptureJob(deps(), job, keptDocument(job)!),
    );

  it("is run again from the document its job kept, and the document is dropped at the end", async () => {
    const id = await abandoned([
      "urn:epc:id:sgtin:0614141.107346.RUN1",
      "urn:epc:id:sgtin:0614141.107346.RUN2",
    ]);
    const waiting = await jobView(id);
    expect(waiting.running).toBe(true);
    expect(waiting).not.toHaveProperty("document");
    expect(await resume()).toBeGreaterThanOrEqual(1);
    const job = await jobView(id);
    expect(job).toMatchObject({ status: "success", capturedCount: 2, duplicateCount: 0 });
    const [row] = await t.db.select().from(epcisCaptureJobs).where(eq(epcisCaptureJobs.id, id));
    expect(row!.document).toBeNull();
    // Nothing is left for the sweep that follows to fail.
    expect(await failInterruptedCaptures(t.db, kind, t.clock)).toBe(0);
  });

  it.skipIf(!onPostgres)(
    "is left alone on PostgreSQL while another process holds its lock",
    async () => {
      const id = await abandoned(["urn:epc:id:sgtin:0614141.107346.HELD1"]);
      await t.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(7301, hashtext(${id}))`);
        expect(await resume()).toBe(0);
      });
      expect((await jobView(id)).running).toBe(true);
      expect(await resume()).toBe(1);
      expect((await jobView(id)).status).toBe("success");
    },
  );
});

describe("interrupted captures", () => {
  it("fails a job nobody runs any more, and says what to do", async () => {
    const id = await runningJob(60_000);
    expect(await failInterruptedCaptures(t.db, kind, t.clock)).toBe(1);
    const job = await jobView(id);
    expect(job).toMatchObject({ running: false, success: false, status: "failure" });
    expect(job.errors[0]?.detail).toMatch(/Send the document again/);
    expect(await failInterruptedCaptures(t.db, kind, t.clock)).toBe(0);
  });

  it("leaves finished jobs as they ended", async () => {
    const done = await capture(
      t,
      producer.key,
      documentOf([objectEvent(["urn:epc:id:sgtin:0614141.107346.R1"])]),
    );
    expect(done.success).toBe(true);
    t.clock.advance(60_000);
    await failInterruptedCaptures(t.db, kind, t.clock);
    expect(await jobView(done.captureID)).toMatchObject({ status: "success", capturedCount: 1 });
  });

  it.skipIf(!onPostgres)(
    "on PostgreSQL, leaves a job whose runner holds its lock, and a job just created",
    async () => {
      const live = await runningJob(60_000);
      const young = await runningJob(1_000);
      // The runner's lock, as whileHoldingJob takes it, held by another connection meanwhile.
      await t.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(7301, hashtext(${live}))`);
        expect(await failInterruptedCaptures(t.db, kind, t.clock)).toBe(0);
      });
      expect((await jobView(live)).running).toBe(true);
      // Its connection gone (here: its transaction over), the lock is free and the job is failed.
      expect(await failInterruptedCaptures(t.db, kind, t.clock)).toBe(1);
      expect((await jobView(live)).status).toBe("failure");
      expect((await jobView(young)).running).toBe(true);
      await t.db.delete(epcisCaptureJobs).where(eq(epcisCaptureJobs.id, young));
    },
  );
});

if (!onPostgres) {
  console.warn(
    "capture-recovery.test: the lock-holding case needs PostgreSQL (TEST_DATABASE_URL); PGlite fails every running job at start-up",
  );
}
