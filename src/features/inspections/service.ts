// Inspection reports: stored with their PDF, recorded in the ledger, deciding whether a lot conforms.
import { and, desc, eq } from "drizzle-orm";
import { documents, inspections, type Licence, lots, type Org } from "../../db/schema";
import type { Db } from "../../db/types";
import { appendEvent } from "../../ledger/append";
import { epcOf, objectEvent, orgUri } from "../../ledger/epcis";
import type { Clock } from "../../lib/clock";
import { AppError } from "../../lib/errors";
import { lockLot } from "../events/subjects";
import { newId } from "../orgs/service";
import { issueTime } from "../trace/common";
import type { CheckedPdf } from "./pdf";
import type { ReportInput } from "./schemas";

export interface InspectionContext {
  clock: Clock;
  baseUrl: string;
  caller: Org;
}

/** Today in China, where report dates are written. */
export const chinaDate = (at: Date) =>
  new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

export const reportUrl = (baseUrl: string, id: string) =>
  `${baseUrl}/v1/inspections/${id}/report.pdf`;

export const isAccreditation = (l: Licence) => l.kind === "cma" || l.kind === "cnas";

/** An inspector uploads reports only under a CMA or CNAS accreditation that is in force. */
export function assertAccredited(org: Org, today: string): Licence[] {
  const valid = org.licences.filter(
    (l) => isAccreditation(l) && (!l.validUntil || l.validUntil >= today),
  );
  if (valid.length === 0) {
    throw new AppError(
      "forbidden",
      `organisation ${org.id} has no CMA or CNAS accreditation in force on record; only accredited laboratories upload inspection reports`,
    );
  }
  return valid;
}

function invalid(path: string, message: string): AppError {
  return new AppError("validation_failed", `${path}: ${message}`, {
    errors: [{ path, message }],
  });
}

function isUniqueViolation(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as never) {
    if (e.code === "23505") return true;
  }
  return false;
}

/**
 * Stores the PDF (once per SHA-256), appends the inspecting event and the report, and sets the
 * lot's conformity from its latest report, all in one transaction. Returns the inspection id.
 */
export async function recordInspection(
  db: Db,
  ctx: InspectionContext,
  report: ReportInput,
  pdf: CheckedPdf,
): Promise<string> {
  const now = ctx.clock.now();
  const today = chinaDate(now);
  if (report.issueDate > today)
    throw invalid("form.report.issueDate", `${report.issueDate} is after today (${today})`);
  try {
    return await db.transaction(async (tx) => {
      const { lot, product, key } = await lockLot(tx, report.lot, "form.report.lot");
      if (report.samplingDate && lot.productionDate && report.samplingDate < lot.productionDate) {
        throw invalid(
          "form.report.samplingDate",
          `${report.samplingDate} is before lot ${key} was produced (${lot.productionDate})`,
        );
      }
      const [known] = await tx
        .select({ id: inspections.id })
        .from(inspections)
        .where(
          and(
            eq(inspections.inspectorOrgId, ctx.caller.id),
            eq(inspections.reportNumber, report.reportNumber),
          ),
        );
      if (known) throw duplicateReport(report.reportNumber, known.id);
      await tx
        .insert(documents)
        .values({
          sha256: pdf.sha256,
          contentType: "application/pdf",
          size: pdf.size,
          data: pdf.bytes,
          createdAt: now,
        })
        .onConflictDoNothing();
      const id = newId("insp");
      const appended = await appendEvent(tx, now, {
        kind: "inspection",
        actorOrgId: ctx.caller.id,
        event: {
          ...objectEvent({
            action: "OBSERVE",
            eventTime: issueTime(report.issueDate),
            bizStep: "inspecting",
            disposition: report.conclusion === "pass" ? "conformant" : "non_conformant",
            readPoint: orgUri(ctx.caller.id),
            bizTransactions: [
              {
                type: "testres",
                bizTransaction: `urn:zhuisu:report:${ctx.caller.id}:${encodeURIComponent(report.reportNumber)}`,
              },
            ],
            certificationInfo: reportUrl(ctx.baseUrl, id),
            extensions: {
              "zs:reportSha256": pdf.sha256,
              "zs:conclusion": report.conclusion,
              "zs:standards": report.standards,
              ...(report.samplingDate ? { "zs:samplingDate": report.samplingDate } : {}),
            },
          }),
          // A class-level observation of the whole lot: no count, every unit of it.
          quantityList: [{ epcClass: epcOf(key) }],
        },
        subjects: [
          { key, level: "lot", role: "quantity" },
          { key: `/01/${product.gtin}`, level: "product", role: "context" },
        ],
      });
      await tx.insert(inspections).values({
        id,
        lotId: lot.id,
        gtin: lot.gtin,
        lot: lot.lot,
        inspectorOrgId: ctx.caller.id,
        reportNumber: report.reportNumber,
        standards: report.standards,
        testItems: report.testItems,
        samplingDate: report.samplingDate ?? null,
        issueDate: report.issueDate,
        conclusion: report.conclusion,
        pdfSha256: pdf.sha256,
        eventId: appended.row.id,
        createdAt: now,
      });
      await refreshConformity(tx, lot.id);
      return id;
    });
  } catch (error) {
    // Two uploads of one report number at once: the second meets the unique index.
    if (isUniqueViolation(error)) throw duplicateReport(report.reportNumber, null);
    throw error;
  }
}

function duplicateReport(reportNumber: string, id: string | null): AppError {
  return new AppError(
    "conflict",
    `report ${reportNumber} of this laboratory was already uploaded${id ? ` as ${id}` : ""}; a corrected report needs its own number`,
    { existing: id },
  );
}

/**
 * The lot conforms as its most recently issued report says (ties: the later upload), so a
 * passing re-inspection (复检) issued after a failure lifts the flag, and an older report
 * uploaded late changes nothing.
 */
export async function refreshConformity(tx: Db, lotId: string): Promise<boolean> {
  const [latest] = await tx
    .select({ conclusion: inspections.conclusion })
    .from(inspections)
    .where(eq(inspections.lotId, lotId))
    .orderBy(desc(inspections.issueDate), desc(inspections.eventId))
    .limit(1);
  const nonConforming = latest?.conclusion === "fail";
  await tx.update(lots).set({ nonConforming }).where(eq(lots.id, lotId));
  return nonConforming;
}
