// Capture jobs whose process died are run again from the document they keep, or failed, never left `running`: on PostgreSQL a running job holds an advisory lock that dies with its node's connection.
import { and, eq, isNotNull, lt, sql } from "drizzle-orm";
import { rowsOf } from "../../db/rows";
import { type EpcisCaptureJob, epcisCaptureJobs } from "../../db/schema";
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

/**
 * Takes up the jobs left `running` by a process that is gone and runs each again, here, from the
 * document it keeps: rollback mode stored none of its events, and in proceed mode those stored
 * before count as duplicates. On PostgreSQL a job is gone when its lock is free; this process
 * then holds the lock while it runs the job, as the one that accepted it did. The embedded
 * database is one process's: at start-up every running job is gone. Jobs that kept no document
 * are left to failInterruptedCaptures. Returns the jobs run again.
 */
export async function resumeInterruptedCaptures(
  db: Db,
  dbKind: "pglite" | "postgres",
  clock: Clock,
  run: (job: EpcisCaptureJob) => Promise<void>,
): Promise<number> {
  const kept = and(eq(epcisCaptureJobs.status, "running"), isNotNull(epcisCaptureJobs.document));
  if (dbKind === "pglite") {
    const jobs = await db.select().from(epcisCaptureJobs).where(kept);
    for (const job of jobs) await run(job);
    return jobs.length;
  }
  const old = new Date(clock.now().getTime() - GRACE_MS);
  const candidates = await db
    .select({ id: epcisCaptureJobs.id })
    .from(epcisCaptureJobs)
    .where(and(kept, lt(epcisCaptureJobs.createdAt, old)));
  let resumed = 0;
  for (const { id } of candidates) {
    await db.transaction(async (tx) => {
      const [lock] = rowsOf<{ taken: boolean }>(
        await tx.execute(
          sql`select pg_try_advisory_xact_lock(${JOB_LOCKS}, hashtext(${id})) as taken`,
        ),
      );
      if (!lock?.taken) return;
      // Read again under the lock: it may have ended since the candidates were read.
      const [job] = await tx
        .select()
        .from(epcisCaptureJobs)
        .where(and(eq(epcisCaptureJobs.id, id), kept));
      if (!job) return;
      resumed += 1;
      await run(job);
    });
  }
  return resumed;
}
