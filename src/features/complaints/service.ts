// Complaint handling: the seller answers (time to answer measured), a regulator decides; reviews hidden, never deleted.
import type { z } from "@hono/zod-openapi";
import { and, desc, eq, isNotNull, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import {
  alerts,
  type Complaint,
  type ComplaintStatus,
  complaints,
  type Org,
  orgs,
  type Review,
  reviews,
} from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { AppError } from "../../lib/errors";
import { decodeCursor, encodeCursor } from "../../lib/pagination";
import { commitmentViolationSignal } from "../alerts/periodic";
import { raiseAlert } from "../alerts/raise";
import { assertWithin, orgInJurisdiction } from "../orgs/jurisdiction";
import type { ComplaintView, ModeratedReview } from "./schemas";

const isRegulator = (org: Org) => org.roles.includes("regulator");
const canSee = (viewer: Org, c: Complaint) => isRegulator(viewer) || c.sellerOrgId === viewer.id;

/**
 * Where a complaint lies, for a regulator's jurisdiction: its seller's region or, for an
 * anonymous report about a product, its brand owner's.
 */
const concernedOrg = sql`coalesce(${complaints.sellerOrgId}, (select p.owner_org_id from products p where p.gtin = ${complaints.gtin}))`;

export function complaintView(c: Complaint): z.infer<typeof ComplaintView> {
  return {
    id: c.id,
    withReceipt: c.receiptId !== null,
    itemKey: c.itemKey,
    gtin: c.gtin,
    sellerOrgId: c.sellerOrgId,
    category: c.category,
    text: c.text,
    contact: c.contact,
    commitmentId: c.commitmentId,
    status: c.status,
    answer:
      c.sellerAnswer && c.answeredAt
        ? { text: c.sellerAnswer, at: c.answeredAt.toISOString() }
        : null,
    timeToAnswerHours: c.answeredAt
      ? Math.round(((c.answeredAt.getTime() - c.createdAt.getTime()) / 3_600_000) * 100) / 100
      : null,
    decision:
      (c.status === "upheld" || c.status === "rejected") && c.decidedAt && c.decidedByOrgId
        ? {
            status: c.status,
            reason: c.decisionReason ?? "",
            decidedByOrgId: c.decidedByOrgId,
            decidedAt: c.decidedAt.toISOString(),
          }
        : null,
    eventId: c.eventId,
    createdAt: c.createdAt.toISOString(),
  };
}

/** Newest first: every complaint for regulators, a seller's own (anonymous reports about it included). */
export async function listComplaints(
  db: Db,
  viewer: Org,
  filter: {
    status?: ComplaintStatus;
    sellerOrgId?: string;
    anonymous?: "true" | "false";
    limit: number;
    cursor?: string;
  },
) {
  const position = decodeCursor(filter.cursor);
  const conditions: (SQL | undefined)[] = [
    isRegulator(viewer)
      ? orgInJurisdiction(concernedOrg, viewer)
      : eq(complaints.sellerOrgId, viewer.id),
    filter.status ? eq(complaints.status, filter.status) : undefined,
    filter.sellerOrgId ? eq(complaints.sellerOrgId, filter.sellerOrgId) : undefined,
    filter.anonymous === "true"
      ? isNull(complaints.receiptId)
      : filter.anonymous === "false"
        ? isNotNull(complaints.receiptId)
        : undefined,
    position
      ? or(
          lt(complaints.createdAt, new Date(position.at)),
          and(eq(complaints.createdAt, new Date(position.at)), lt(complaints.id, position.id)),
        )
      : undefined,
  ];
  const rows = await db
    .select()
    .from(complaints)
    .where(and(...conditions.filter((c) => c !== undefined)))
    .orderBy(desc(complaints.createdAt), desc(complaints.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    items: page.map(complaintView),
    next:
      rows.length > filter.limit && last
        ? encodeCursor({ at: last.createdAt.toISOString(), id: last.id })
        : null,
  };
}

export async function getComplaint(
  db: Db,
  viewer: Org,
  id: string,
  lock = false,
): Promise<Complaint> {
  // Outside a regulator's jurisdiction a complaint does not exist for it, as for anyone else.
  const query = db
    .select()
    .from(complaints)
    .where(
      and(
        eq(complaints.id, id),
        isRegulator(viewer) ? orgInJurisdiction(concernedOrg, viewer) : undefined,
      ),
    );
  const [row] = lock ? await query.for("update") : await query;
  if (!row || !canSee(viewer, row))
    throw new AppError("not_found", `complaint ${id} does not exist`);
  return row;
}

function mustBeUndecided(c: Complaint) {
  if (c.status === "upheld" || c.status === "rejected") {
    throw new AppError(
      "conflict",
      `complaint ${c.id} was already ${c.status} by ${c.decidedByOrgId} on ${c.decidedAt?.toISOString()}`,
      { currentStatus: c.status, decisionReason: c.decisionReason },
    );
  }
}

/** The seller's first (and only) answer; the time it took is what the credit's answer factor measures. */
export async function answerComplaint(
  db: Db,
  clock: Clock,
  actor: Org,
  id: string,
  text: string,
): Promise<Complaint> {
  return db.transaction(async (tx) => {
    const complaint = await getComplaint(tx, actor, id, true);
    if (complaint.sellerOrgId !== actor.id) {
      throw new AppError(
        "forbidden",
        `only the seller concerned (${complaint.sellerOrgId ?? "none yet"}) answers complaint ${id}`,
      );
    }
    mustBeUndecided(complaint);
    if (complaint.answeredAt) {
      throw new AppError(
        "conflict",
        `complaint ${id} was already answered at ${complaint.answeredAt.toISOString()}`,
      );
    }
    const [row] = await tx
      .update(complaints)
      .set({ sellerAnswer: text, answeredAt: clock.now(), status: "answered" })
      .where(eq(complaints.id, id))
      .returning();
    return row!;
  });
}

/**
 * A regulator upholds or rejects a complaint, once. When it names a broken commitment, the
 * decision also settles the commitment-violation alert about it (raised here if need be).
 */
export async function decideComplaint(
  db: Db,
  clock: Clock,
  actor: Org,
  id: string,
  input: { decision: "upheld" | "rejected"; reason: string },
): Promise<Complaint> {
  return db.transaction(async (tx) => {
    const complaint = await getComplaint(tx, actor, id, true);
    mustBeUndecided(complaint);
    const now = clock.now();
    const [row] = await tx
      .update(complaints)
      .set({
        status: input.decision,
        decisionReason: input.reason,
        decidedByOrgId: actor.id,
        decidedAt: now,
      })
      .where(eq(complaints.id, id))
      .returning();
    if (complaint.commitmentId && complaint.sellerOrgId) {
      const aboutThis = and(
        eq(alerts.kind, "commitment_violation"),
        sql`${alerts.details}->>'complaintId' = ${id}`,
      );
      const [raised] = await tx.select({ id: alerts.id }).from(alerts).where(aboutThis).limit(1);
      // The feedback API raises the alert when the complaint is filed; raise it here only if it did not.
      if (input.decision === "upheld" && !raised) {
        await raiseAlert(
          tx,
          now,
          commitmentViolationSignal({
            id: complaint.id,
            sellerOrgId: complaint.sellerOrgId,
            commitmentId: complaint.commitmentId,
            category: complaint.category,
            eventId: complaint.eventId,
            itemKey: complaint.itemKey,
          }),
        );
      }
      await tx
        .update(alerts)
        .set({
          status: input.decision === "upheld" ? "confirmed" : "dismissed",
          decisionReason: `complaint ${id} ${input.decision}: ${input.reason}`,
          decidedByOrgId: actor.id,
          decidedAt: now,
          updatedAt: now,
        })
        .where(and(aboutThis, eq(alerts.status, "open")));
    }
    return row!;
  });
}

export function moderatedView(r: Review): z.infer<typeof ModeratedReview> {
  return {
    id: r.id,
    sellerOrgId: r.sellerOrgId,
    hidden: r.hidden,
    hiddenReason: r.hiddenReason,
    hiddenByOrgId: r.hiddenByOrgId,
    hiddenAt: r.hiddenAt?.toISOString() ?? null,
  };
}

/** Reviews are never deleted (E-Commerce Law art. 39): a regulator hides one, and the reason is kept. */
export async function hideReview(
  db: Db,
  clock: Clock,
  actor: Org,
  id: string,
  reason: string,
): Promise<Review> {
  return db.transaction(async (tx) => {
    const [review] = await tx.select().from(reviews).where(eq(reviews.id, id)).for("update");
    if (!review) throw new AppError("not_found", `review ${id} does not exist`);
    const [seller] = await tx.select().from(orgs).where(eq(orgs.id, review.sellerOrgId));
    assertWithin(actor, seller?.regionCode ?? null, `the seller of review ${id}`);
    if (review.hidden) {
      throw new AppError(
        "conflict",
        `review ${id} was already hidden by ${review.hiddenByOrgId} on ${review.hiddenAt?.toISOString()}: ${review.hiddenReason}`,
      );
    }
    const [row] = await tx
      .update(reviews)
      .set({ hidden: true, hiddenReason: reason, hiddenByOrgId: actor.id, hiddenAt: clock.now() })
      .where(eq(reviews.id, id))
      .returning();
    return row!;
  });
}
