// Recalls: one transaction flags every unit of the recalled lots wherever it is, and records the recall in the ledger.
import type { z } from "@hono/zod-openapi";
import { and, eq, inArray, ne } from "drizzle-orm";
import { parseCode } from "../../codes";
import {
  items,
  type Lot,
  lots,
  type Org,
  orgs,
  type Product,
  products,
  type Recall as RecallRow,
  recalls,
} from "../../db/schema";
import type { Db } from "../../db/types";
import { appendEvent } from "../../ledger/append";
import { epcOf, objectEvent, ZS_NS } from "../../ledger/epcis";
import type { Clock } from "../../lib/clock";
import { AppError, type FieldError, notFound } from "../../lib/errors";
import { isRegulator } from "../events/rules";
import { assertWithin } from "../orgs/jurisdiction";
import { newId } from "../orgs/service";
import { lotKeyOf } from "../trace/common";
import type { CloseRecallBody, CreateRecallBody } from "./schemas";

export interface RecallContext {
  clock: Clock;
  caller: Org;
}

/** CBV 2.0 has no recall step (only the `recalled` disposition): ours lives in our namespace. */
export const RECALLING = `${ZS_NS}recalling`;
export const RECALL_CLOSED = `${ZS_NS}recall_closed`;

function invalid(errors: FieldError[]): AppError {
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return new AppError("validation_failed", `${first.path}: ${first.message}${more}`, { errors });
}

/**
 * Only the brand owner of the product or a regulator recalls it, or closes its recall; a
 * regulator one whose brand owner is registered inside its jurisdiction.
 */
async function assertMayRecall(tx: Db, caller: Org, product: Product) {
  if (product.ownerOrgId === caller.id) return;
  if (!isRegulator(caller)) {
    throw new AppError(
      "forbidden",
      `organisation ${caller.id} does not own product /01/${product.gtin}; only its brand owner or a regulator may recall it`,
    );
  }
  const [owner] = await tx.select().from(orgs).where(eq(orgs.id, product.ownerOrgId));
  assertWithin(caller, owner?.regionCode ?? null, `the brand owner of /01/${product.gtin}`);
}

function gtinOf(code: string, path: string): string {
  const parsed = parseCode(code, { gbt33993: false });
  if (!parsed.ok) throw invalid([{ path, message: parsed.error.message, code: parsed.error.code }]);
  if (parsed.value.kind !== "gs1" || !parsed.value.gtin)
    throw invalid([{ path, message: `${code} does not name a product (GTIN)` }]);
  return parsed.value.gtin;
}

/** The lots named in a recall, locked; every bad, foreign or unknown code is named by its index. */
async function lockRecalledLots(tx: Db, gtin: string, codes: string[] | undefined): Promise<Lot[]> {
  if (!codes) {
    const all = await tx.select().from(lots).where(eq(lots.gtin, gtin)).for("update");
    if (all.length === 0)
      throw new AppError("conflict", `product /01/${gtin} has no lots to recall`, {
        currentState: "no_lots",
      });
    return all;
  }
  const errors: FieldError[] = [];
  const wanted: { lot: string; path: string; key: string }[] = [];
  codes.forEach((code, i) => {
    const path = `json.lots.${i}`;
    const parsed = parseCode(code, { gbt33993: false });
    if (!parsed.ok) errors.push({ path, message: parsed.error.message, code: parsed.error.code });
    else if (parsed.value.kind !== "gs1" || parsed.value.level !== "lot")
      errors.push({ path, message: `${code} is not a lot (GTIN + lot)`, code: "not_a_lot" });
    else if (parsed.value.gtin !== gtin)
      errors.push({
        path,
        message: `${parsed.value.key} is not a lot of /01/${gtin}`,
        code: "other_product",
      });
    else wanted.push({ lot: parsed.value.lot!, path, key: parsed.value.key });
  });
  if (errors.length > 0) throw invalid(errors);
  const found = await tx
    .select()
    .from(lots)
    .where(and(eq(lots.gtin, gtin), inArray(lots.lot, [...new Set(wanted.map((w) => w.lot))])))
    .for("update");
  const byLot = new Map(found.map((l) => [l.lot, l]));
  for (const w of wanted)
    if (!byLot.has(w.lot))
      errors.push({ path: w.path, message: `lot ${w.key} is not registered`, code: "unknown_lot" });
  if (errors.length > 0) throw invalid(errors);
  return found;
}

/**
 * Recalls lots (or every lot of a product): flags the lots and, in one statement, every unit of
 * them wherever it is in the chain, and appends the recalling event, all in one transaction.
 */
export async function createRecall(
  db: Db,
  ctx: RecallContext,
  input: z.infer<typeof CreateRecallBody>,
): Promise<string> {
  const gtin = gtinOf(input.product, "json.product");
  return db.transaction(async (tx) => {
    const [product] = await tx.select().from(products).where(eq(products.gtin, gtin));
    if (!product)
      throw invalid([{ path: "json.product", message: `product /01/${gtin} is not registered` }]);
    await assertMayRecall(tx, ctx.caller, product);
    const recalled = await lockRecalledLots(tx, gtin, input.lots);
    const lotIds = recalled.map((l) => l.id);
    const lotKeys = recalled.map((l) => lotKeyOf(l.gtin, l.lot));
    const now = ctx.clock.now();
    await tx.update(lots).set({ recalled: true }).where(inArray(lots.id, lotIds));
    await tx
      .update(items)
      .set({ recalled: true, updatedAt: now })
      .where(and(inArray(items.lotId, lotIds), eq(items.recalled, false)));
    const id = newId("rcl");
    const appended = await appendEvent(tx, now, {
      kind: "recall",
      actorOrgId: ctx.caller.id,
      event: {
        ...objectEvent({
          action: "OBSERVE",
          eventTime: now,
          bizStep: RECALLING,
          disposition: "recalled",
          persistentDisposition: { set: ["recalled"] },
          extensions: {
            "zs:recallId": id,
            "zs:recallLevel": input.level,
            "zs:reason": input.reason,
            "zs:instructions": input.instructions,
            "zs:contacts": input.contacts,
            "zs:wholeProduct": input.lots === undefined,
          },
        }),
        quantityList: lotKeys.map((k) => ({ epcClass: epcOf(k) })),
      },
      subjects: [
        ...lotKeys.map((key) => ({ key, level: "lot" as const, role: "quantity" as const })),
        { key: `/01/${gtin}`, level: "product", role: "context" },
      ],
    });
    await tx.insert(recalls).values({
      id,
      gtin,
      lotIds,
      wholeProduct: input.lots === undefined,
      level: input.level,
      reason: input.reason,
      instructions: input.instructions,
      contacts: input.contacts,
      initiatedByOrgId: ctx.caller.id,
      eventId: appended.row.id,
      createdAt: now,
    });
    return id;
  });
}

export async function getRecallRow(db: Db, id: string): Promise<RecallRow> {
  const [row] = await db.select().from(recalls).where(eq(recalls.id, id));
  if (!row) throw notFound(`recall ${id}`);
  return row;
}

/**
 * Closes a recall. Completed: the units stay recalled (they must not come back on sale).
 * Withdrawn: the recall was a mistake, and its lots are released unless another open recall
 * still holds them.
 */
export async function closeRecall(
  db: Db,
  ctx: RecallContext,
  id: string,
  input: z.infer<typeof CloseRecallBody>,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [recall] = await tx.select().from(recalls).where(eq(recalls.id, id)).for("update");
    if (!recall) throw notFound(`recall ${id}`);
    const [product] = await tx.select().from(products).where(eq(products.gtin, recall.gtin));
    await assertMayRecall(tx, ctx.caller, product!);
    if (recall.status === "closed") {
      throw new AppError(
        "conflict",
        `recall ${id} was already closed on ${recall.closedAt?.toISOString()}`,
        { currentState: "closed" },
      );
    }
    const now = ctx.clock.now();
    const recalledLots = await tx
      .select()
      .from(lots)
      .where(inArray(lots.id, recall.lotIds))
      .for("update");
    let released: Lot[] = [];
    if (input.outcome === "withdrawn") {
      const others = await tx
        .select({ lotIds: recalls.lotIds })
        .from(recalls)
        .where(and(eq(recalls.gtin, recall.gtin), eq(recalls.status, "open"), ne(recalls.id, id)));
      const held = new Set(others.flatMap((o) => o.lotIds));
      released = recalledLots.filter((l) => !held.has(l.id));
      if (released.length > 0) {
        const ids = released.map((l) => l.id);
        await tx.update(lots).set({ recalled: false }).where(inArray(lots.id, ids));
        await tx
          .update(items)
          .set({ recalled: false, updatedAt: now })
          .where(and(inArray(items.lotId, ids), eq(items.recalled, true)));
      }
    }
    const lotKeys = recalledLots.map((l) => lotKeyOf(l.gtin, l.lot));
    const lifted = input.outcome === "withdrawn" && released.length === recalledLots.length;
    const appended = await appendEvent(tx, now, {
      kind: "recall_closed",
      actorOrgId: ctx.caller.id,
      event: {
        ...objectEvent({
          action: "OBSERVE",
          eventTime: now,
          bizStep: RECALL_CLOSED,
          ...(lifted ? { persistentDisposition: { unset: ["recalled"] } } : {}),
          extensions: {
            "zs:recallId": id,
            "zs:outcome": input.outcome,
            "zs:reason": input.reason,
            ...(input.outcome === "withdrawn"
              ? { "zs:releasedLots": released.map((l) => lotKeyOf(l.gtin, l.lot)) }
              : {}),
          },
        }),
        quantityList: lotKeys.map((k) => ({ epcClass: epcOf(k) })),
      },
      subjects: [
        ...lotKeys.map((key) => ({ key, level: "lot" as const, role: "quantity" as const })),
        { key: `/01/${recall.gtin}`, level: "product", role: "context" },
      ],
    });
    await tx
      .update(recalls)
      .set({
        status: "closed",
        closedReason: input.reason,
        closeOutcome: input.outcome,
        closedByOrgId: ctx.caller.id,
        closedAt: now,
        closedEventId: appended.row.id,
      })
      .where(eq(recalls.id, id));
  });
}
