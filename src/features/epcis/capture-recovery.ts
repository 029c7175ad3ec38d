// Capture jobs whose process died are failed, not left `running`: on PostgreSQL a running job holds an advisory lock that dies with its node's connection.
import { eq, sql } from "drizzle-orm";
import { epcisCaptureJobs } from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { EPCIS_EXCEPTION } from "./capture";

/** The namespace of capture job locks (the two-number form, apart from the sequencer's one-number lock). */
const JOB_LOCKS = 7301;
/** Age below which a running job is never judged: its runner may not have taken its lock yet. */
const GRACE_MS = 30_000;

const INTERRUPTED = {
  type: EPCIS_EXCEPTION.implementation,
  title: "Capture interrupted",
  status: 500,
  detail:
    "the service stopped while this capture ran, before its outcome was recorded. In rollback mode all of its events or none were stored; in proceed mode any part of them. Send the document again: events already stored are recognised by their Event Hash ID and counted as duplicates",
};

/**
 * Runs a job while holding its lock, on PostgreSQL: a transaction of its own takes the lock and
 * stays open until the job ends, so the lock outlives the job's node only as long as that node's
 * connection does. The embedded database has one connection and one process: no lock there.
 */
export async function whileHoldingJob(
  db: Db,
  dbKind: "pglite" | "postgres",
  jobId: string,
  run: () => Promise<void>,
): Promise<void> {
  if (dbKind === "pglite") return run();
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${JOB_LOCKS}, hashtext(${jobId}))`);
    await run();
  });
}

/**
 * Fails the jobs left `running` by a process that is gone; returns how many. On PostgreSQL a job
 * is gone when nobody holds its lock (tried in the same statement, released at its end); in the
 * embedded database, which one process opens at a time, every running job at start-up is gone.
 */
export async function failInterruptedCaptures(
  db: Db,
  dbKind: "pglite" | "postgres",
  clock: Clock,
): Promise<number> {
  const now = clock.now();
  const set = { status: "failure" as const, errors: [INTERRUPTED], finishedAt: now };
  const failed =
    dbKind === "pglite"
      ? await db
          .update(epcisCaptureJobs)
          .set(set)
          .where(eq(epcisCaptureJobs.status, "running"))
          .returning({ id: epcisCaptureJobs.id })
      : await db
          .update(epcisCaptureJobs)
          .set(set)
          // OFFSET 0 keeps the lock attempt out of the inner scan: only running jobs are tried.
          .where(sql`${epcisCaptureJobs.id} in (
            select c.id from (
              select id from epcis_capture_jobs
              where status = 'running' and created_at < ${new Date(now.getTime() - GRACE_MS).toISOString()}::timestamptz
              offset 0
            ) c where pg_try_advisory_xact_lock(${JOB_LOCKS}, hashtext(c.id)))
            and ${epcisCaptureJobs.status} = 'running'`)
          .returning({ id: epcisCaptureJobs.id });
  return failed.length;
}
