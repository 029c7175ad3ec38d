// Capture jobs (POST /epcis/capture): created when the document is accepted, run detached, read by the client.
import { and, eq } from "drizzle-orm";
import {
  type CaptureErrorBehaviour,
  type EpcisCaptureJob,
  epcisCaptureJobs,
} from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { randomString } from "../../lib/random";
import {
  type CaptureDeps,
  type CaptureOutcome,
  captureEvents,
  EPCIS_EXCEPTION,
  MAX_JOB_ERRORS,
  type PreparedDocument,
} from "./capture";

export async function createCaptureJob(
  deps: CaptureDeps,
  prepared: PreparedDocument,
  behaviour: CaptureErrorBehaviour,
  orgId: string,
): Promise<EpcisCaptureJob> {
  const [job] = await deps.db
    .insert(epcisCaptureJobs)
    .values({
      // Time first, so that ids sort by creation (the job list pages on them).
      id: `cap${deps.clock.now().getTime().toString(36).padStart(9, "0")}${randomString(12, "abcdefghijkmnpqrstuvwxyz23456789")}`,
      status: "running",
      behaviour,
      capturedByOrgId: orgId,
      eventCount: prepared.events.length,
      document: {
        context: prepared.context,
        events: prepared.events,
        problems: [...prepared.problems],
      },
      createdAt: deps.clock.now(),
    })
    .returning();
  return job!;
}

/** The prepared document a job keeps while it runs; null when it kept none (an older job). */
export function keptDocument(job: EpcisCaptureJob): PreparedDocument | null {
  if (!job.document) return null;
  return {
    context: job.document.context,
    events: job.document.events as PreparedDocument["events"],
    problems: new Map(job.document.problems),
  };
}

/** Runs a capture job to its end and records the outcome; never throws (it runs detached). */
export async function runCaptureJob(
  deps: CaptureDeps,
  job: EpcisCaptureJob,
  prepared: PreparedDocument,
): Promise<void> {
  let outcome: CaptureOutcome;
  try {
    outcome = await captureEvents(
      deps,
      prepared,
      job.behaviour,
      job.capturedByOrgId,
      (tx, stored) => recordJobOutcome(tx, deps.clock, job.id, stored),
    );
  } catch (error) {
    deps.logger.error("epcis capture job failed", {
      jobId: job.id,
      error: String(error),
      cause:
        error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined,
    });
    outcome = {
      captured: 0,
      duplicates: 0,
      errors: [
        {
          type: EPCIS_EXCEPTION.implementation,
          title: "Capture failed",
          status: 500,
          detail:
            "the capture could not be completed on our side; nothing was stored in rollback mode",
        },
      ],
    };
  }
  try {
    // A rollback capture that stored its events recorded its outcome with them; this is a no-op then.
    await recordJobOutcome(deps.db, deps.clock, job.id, outcome);
  } catch (error) {
    deps.logger.error("epcis capture job: outcome not recorded", {
      jobId: job.id,
      error: String(error),
    });
  }
}

/** Ends a running job with its outcome; a job already ended is left as it is. */
async function recordJobOutcome(db: Db, clock: Clock, jobId: string, outcome: CaptureOutcome) {
  await db
    .update(epcisCaptureJobs)
    .set({
      status: outcome.errors.length > 0 ? "failure" : "success",
      capturedCount: outcome.captured,
      duplicateCount: outcome.duplicates,
      errors: outcome.errors.slice(0, MAX_JOB_ERRORS),
      // Nobody will run it again: the document is not kept.
      document: null,
      finishedAt: clock.now(),
    })
    .where(and(eq(epcisCaptureJobs.id, jobId), eq(epcisCaptureJobs.status, "running")));
}

/** The standard's CaptureJob shape, with our counts beside it. */
export function captureJobView(job: Omit<EpcisCaptureJob, "document">) {
  return {
    captureID: job.id,
    createdAt: job.createdAt.toISOString(),
    ...(job.finishedAt ? { finishedAt: job.finishedAt.toISOString() } : {}),
    running: job.status === "running",
    success: job.status !== "failure",
    captureErrorBehaviour: job.behaviour,
    status: job.status,
    eventCount: job.eventCount,
    capturedCount: job.capturedCount,
    duplicateCount: job.duplicateCount,
    errors: job.errors,
  };
}
