// Complaints: to the seller of a sale (with its receipt code), or anonymous reports for a regulator.
import { eq } from "drizzle-orm";
import { commitments, complaints, orgs, type Receipt } from "../../db/schema";
import type { Db } from "../../db/types";
import { appendEvent } from "../../ledger/append";
import { epcOf, objectEvent, orgUri, ZS_NS } from "../../ledger/epcis";
import { AppError } from "../../lib/errors";
import { raiseAlert } from "../alerts/raise";
import { newId } from "../orgs/service";
import { checkReceipt } from "./receipt-guard";
import type { ComplaintInput } from "./schemas";
import {
  type FeedbackContext,
  feedbackSubjects,
  findItemByCode,
  guard,
  type ItemFacts,
} from "./service";

export interface FiledComplaint {
  id: string;
  status: "open";
  category: ComplaintInput["category"];
  routedTo: "seller" | "regulator";
  sellerOrgId: string | null;
  itemKey: string | null;
  eventId: number | null;
  createdAt: string;
}

function invalidField(path: string, message: string): AppError {
  return new AppError("validation_failed", `${path}: ${message}`, { errors: [{ path, message }] });
}

/**
 * A complaint: with a receipt code it goes to the seller of that sale; without, it is an
 * anonymous report that a regulator triages. Contact and text stay out of the ledger.
 */
export async function fileComplaint(
  db: Db,
  ctx: FeedbackContext,
  input: ComplaintInput,
): Promise<FiledComplaint> {
  let item: ItemFacts | null = null;
  let itemKey: string | null = null;
  let gtin: string | null = null;
  let receipt: Receipt | null = null;
  if (input.receiptCode !== undefined && input.item === undefined) {
    throw invalidField("json.item", "a receipt code comes with the item it was given for");
  }
  if (input.item !== undefined) {
    const found = await findItemByCode(db, input.item);
    ({ key: itemKey, gtin } = found);
    item = found.item;
    if (input.receiptCode !== undefined) {
      if (!item)
        throw new AppError("not_found", `item ${found.key} is not registered with this service`);
      receipt = await checkReceipt(db, guard(ctx), item, input.receiptCode);
    }
  }
  let sellerOrgId = receipt?.sellerOrgId ?? input.sellerOrgId ?? null;
  if (receipt && input.sellerOrgId && input.sellerOrgId !== receipt.sellerOrgId) {
    throw invalidField(
      "json.sellerOrgId",
      "is not the seller of this receipt's sale; leave it out",
    );
  }
  if (sellerOrgId && !receipt) {
    const [seller] = await db.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, sellerOrgId));
    if (!seller) throw invalidField("json.sellerOrgId", `no organisation ${sellerOrgId}`);
  }
  if (input.commitmentId) {
    const [commitment] = await db
      .select({ orgId: commitments.orgId })
      .from(commitments)
      .where(eq(commitments.id, input.commitmentId));
    if (!commitment) throw invalidField("json.commitmentId", `no commitment ${input.commitmentId}`);
    if (sellerOrgId && commitment.orgId !== sellerOrgId) {
      throw invalidField(
        "json.commitmentId",
        "is a commitment of another organisation, not of this seller",
      );
    }
    sellerOrgId = commitment.orgId;
  }
  const now = ctx.clock.now();
  const id = newId("cmp");
  return db.transaction(async (tx) => {
    const appended = item
      ? await appendEvent(tx, now, {
          kind: "complaint",
          actorOrgId: null,
          event: objectEvent({
            action: "OBSERVE",
            eventTime: now,
            epcs: [epcOf(item.key)],
            bizStep: `${ZS_NS}complaint`,
            extensions: {
              "zs:complaintId": id,
              "zs:category": input.category,
              "zs:routedTo": receipt ? "seller" : "regulator",
              ...(sellerOrgId ? { "zs:seller": orgUri(sellerOrgId) } : {}),
            },
          }),
          subjects: feedbackSubjects(item),
        })
      : null;
    await tx.insert(complaints).values({
      id,
      receiptId: receipt?.id ?? null,
      itemKey,
      gtin,
      sellerOrgId,
      category: input.category,
      text: input.text,
      contact: input.contact || null,
      commitmentId: input.commitmentId ?? null,
      status: "open",
      eventId: appended?.row.id ?? null,
      createdAt: now,
    });
    if (input.commitmentId && sellerOrgId) {
      await raiseAlert(tx, now, {
        kind: "commitment_violation",
        severity: "medium",
        subjectKey: sellerOrgId,
        orgId: sellerOrgId,
        evidence: appended ? [appended.row.id] : [],
        details: { complaintId: id, commitmentId: input.commitmentId, category: input.category },
        dedupeKey: `commitment_violation:${id}`,
      });
    }
    return {
      id,
      status: "open" as const,
      category: input.category,
      routedTo: receipt ? ("seller" as const) : ("regulator" as const),
      sellerOrgId,
      itemKey,
      eventId: appended?.row.id ?? null,
      createdAt: now.toISOString(),
    };
  });
}
