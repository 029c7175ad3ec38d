// Reading recalls: the notice, its effectiveness by unit state and holder, lists, and recalled units in custody.
import type { z } from "@hono/zod-openapi";
import { and, asc, count, desc, eq, gt, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import { parseCode } from "../../codes";
import {
  events,
  type ItemState,
  items,
  lots,
  orgs,
  products,
  type Recall as RecallRow,
  recalls,
  scans,
} from "../../db/schema";
import type { Db } from "../../db/types";
import { AppError } from "../../lib/errors";
import { decodeCursor, encodeCursor } from "../../lib/pagination";
import { itemKeyOf, lotKeyOf } from "../trace/common";
import { partiesOf } from "../trace/parties";
import {
  type Effectiveness,
  type Recall,
  type RecalledUnit,
  type RecalledUnitsQuery,
  type RecallListQuery,
  UNIT_CATEGORIES,
} from "./schemas";

type RecallView = z.infer<typeof Recall>;
type Category = (typeof UNIT_CATEGORIES)[number];

const CATEGORY: Record<ItemState, Category> = {
  commissioned: "at_producer",
  sold: "with_seller",
  dispatched: "in_transit",
  delivered: "delivered",
  returned: "returned",
  destroyed: "destroyed",
};

const zeroes = () =>
  Object.fromEntries(UNIT_CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;

export async function recallViews(
  db: Db,
  rows: RecallRow[],
  baseUrl: string,
): Promise<RecallView[]> {
  if (rows.length === 0) return [];
  const lotIds = [...new Set(rows.flatMap((r) => r.lotIds))];
  const [lotRows, productRows, orgRows, eventRows] = [
    await db
      .select({ id: lots.id, gtin: lots.gtin, lot: lots.lot })
      .from(lots)
      .where(inArray(lots.id, lotIds)),
    await db
      .select({ gtin: products.gtin, nameZh: products.nameZh })
      .from(products)
      .where(inArray(products.gtin, [...new Set(rows.map((r) => r.gtin))])),
    await db
      .select({ id: orgs.id, nameZh: orgs.nameZh, uscc: orgs.uscc })
      .from(orgs)
      .where(inArray(orgs.id, [...new Set(rows.map((r) => r.initiatedByOrgId))])),
    await db
      .select({ id: events.id, eventId: events.eventId, hashId: events.hashId })
      .from(events)
      .where(
        inArray(
          events.id,
          rows.map((r) => r.eventId ?? 0),
        ),
      ),
  ];
  const lotById = new Map(lotRows.map((l) => [l.id, l]));
  const nameOf = new Map(productRows.map((p) => [p.gtin, p.nameZh]));
  const orgById = new Map(orgRows.map((o) => [o.id, o]));
  const eventById = new Map(eventRows.map((e) => [e.id, e]));
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    level: r.level,
    reason: r.reason,
    instructions: r.instructions,
    contacts: r.contacts,
    product: { gtin: r.gtin, key: `/01/${r.gtin}`, nameZh: nameOf.get(r.gtin) ?? "" },
    wholeProduct: r.wholeProduct,
    lots: r.lotIds
      .map((id) => lotById.get(id))
      .filter((l) => l !== undefined)
      .map((l) => ({ key: lotKeyOf(l.gtin, l.lot), lot: l.lot })),
    initiatedBy: orgById.get(r.initiatedByOrgId) ?? {
      id: r.initiatedByOrgId,
      nameZh: "",
      uscc: null,
    },
    event: (r.eventId !== null && eventById.get(r.eventId)) || null,
    createdAt: r.createdAt.toISOString(),
    closed:
      r.closedAt && r.closedReason && r.closedByOrgId
        ? {
            at: r.closedAt.toISOString(),
            reason: r.closedReason,
            outcome: r.closeOutcome ?? "completed",
            by: r.closedByOrgId,
          }
        : null,
    url: `${baseUrl}/v1/recalls/${r.id}`,
  }));
}

/**
 * Where the recalled units are: one aggregate over the items of the recalled lots, by lot, state,
 * custodian and seller. `holders` names the organisations only for those allowed to see them.
 */
export async function effectiveness(
  db: Db,
  recall: RecallRow,
  showHolders: boolean,
): Promise<z.infer<typeof Effectiveness>> {
  const groups = await db
    .select({
      lotId: items.lotId,
      state: items.state,
      custodian: items.custodianOrgId,
      seller: items.sellerOrgId,
      units: count(),
    })
    .from(items)
    .where(inArray(items.lotId, recall.lotIds))
    .groupBy(items.lotId, items.state, items.custodianOrgId, items.sellerOrgId);
  const lotRows = await db
    .select({ id: lots.id, gtin: lots.gtin, lot: lots.lot })
    .from(lots)
    .where(inArray(lots.id, recall.lotIds));
  const byCategory = zeroes();
  const byLot = new Map(
    lotRows.map((l) => [l.id, { key: lotKeyOf(l.gtin, l.lot), total: 0, byCategory: zeroes() }]),
  );
  const holders = new Map<
    string,
    { category: Category; custodian: string | null; seller: string | null; units: number }
  >();
  for (const g of groups) {
    const n = Number(g.units);
    const category = CATEGORY[g.state];
    byCategory[category] += n;
    const lot = byLot.get(g.lotId);
    if (lot) {
      lot.total += n;
      lot.byCategory[category] += n;
    }
    const k = `${category}\u0000${g.custodian ?? ""}\u0000${g.seller ?? ""}`;
    const h = holders.get(k) ?? { category, custodian: g.custodian, seller: g.seller, units: 0 };
    h.units += n;
    holders.set(k, h);
  }
  const parties = showHolders
    ? await partiesOf(
        db,
        [...holders.values()].flatMap((h) => [h.custodian, h.seller]),
      )
    : new Map();
  const total = Object.values(byCategory).reduce((a, b) => a + b, 0);
  // Consumers who scanned a recalled unit after the recall saw its warning: the reach of the notice.
  const [scanned] = await db
    .select({ scans: count(), units: sql<number>`count(distinct ${scans.itemId})` })
    .from(scans)
    .innerJoin(items, eq(items.id, scans.itemId))
    .where(and(inArray(items.lotId, recall.lotIds), gt(scans.at, recall.createdAt)));
  return {
    total,
    byCategory,
    scannedSinceRecall: {
      scans: Number(scanned?.scans ?? 0),
      units: Number(scanned?.units ?? 0),
    },
    removedFromMarket: byCategory.returned + byCategory.destroyed,
    stillWithConsumersOrInMarket:
      byCategory.with_seller + byCategory.in_transit + byCategory.delivered,
    byLot: [...byLot.values()],
    holders: showHolders
      ? [...holders.values()]
          .sort((a, b) => b.units - a.units)
          .map((h) => ({
            category: h.category,
            custodian: h.custodian ? (parties.get(h.custodian) ?? null) : null,
            seller: h.seller ? (parties.get(h.seller) ?? null) : null,
            units: h.units,
          }))
      : null,
  };
}

function keyset(
  createdAt: typeof recalls.createdAt,
  id: typeof recalls.id,
  cursor?: string,
): SQL | undefined {
  const at = decodeCursor(cursor);
  if (!at) return undefined;
  const when = new Date(at.at);
  return or(lt(createdAt, when), and(eq(createdAt, when), lt(id, at.id)));
}

/** Recalls newest first, of a product, a lot or an item's lot when `code` is given. */
export async function listRecalls(db: Db, query: z.infer<typeof RecallListQuery>, baseUrl: string) {
  const conditions: (SQL | undefined)[] = [keyset(recalls.createdAt, recalls.id, query.cursor)];
  if (query.status) conditions.push(eq(recalls.status, query.status));
  if (query.code) {
    const parsed = parseCode(query.code, { gbt33993: false });
    if (!parsed.ok || parsed.value.kind !== "gs1" || !parsed.value.gtin) {
      throw new AppError(
        "invalid_code",
        `query.code: ${parsed.ok ? "does not name a product, lot or item" : parsed.error.message}`,
        { errors: [{ path: "query.code", message: "not a product, lot or item code" }] },
      );
    }
    const { gtin, level, lot, serial } = parsed.value;
    conditions.push(eq(recalls.gtin, gtin));
    if (level === "lot" || level === "item") {
      const [row] =
        level === "lot"
          ? await db
              .select({ id: lots.id })
              .from(lots)
              .where(and(eq(lots.gtin, gtin), eq(lots.lot, lot!)))
          : await db
              .select({ id: items.lotId })
              .from(items)
              .where(and(eq(items.gtin, gtin), eq(items.serial, serial!)));
      conditions.push(sql`${recalls.lotIds} @> ${JSON.stringify([row?.id ?? ""])}::jsonb`);
    }
  }
  const rows = await db
    .select()
    .from(recalls)
    .where(and(...conditions))
    .orderBy(desc(recalls.createdAt), desc(recalls.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: await recallViews(db, page, baseUrl),
    next:
      rows.length > query.limit && last
        ? encodeCursor({ at: last.createdAt.toISOString(), id: last.id })
        : null,
  };
}

/** Recalled units the organisation holds (or sold), in commissioning order, with their open recalls. */
export async function recalledUnits(
  db: Db,
  orgId: string,
  query: z.infer<typeof RecalledUnitsQuery>,
): Promise<{ items: z.infer<typeof RecalledUnit>[]; next: string | null }> {
  const after = decodeCursor(query.cursor);
  const rows = await db
    .select({
      id: items.id,
      gtin: items.gtin,
      serial: items.serial,
      state: items.state,
      custodian: items.custodianOrgId,
      seller: items.sellerOrgId,
      commissionedAt: items.commissionedAt,
      lotId: lots.id,
      lot: lots.lot,
    })
    .from(items)
    .innerJoin(lots, eq(lots.id, items.lotId))
    .where(
      and(
        or(eq(items.recalled, true), eq(lots.recalled, true)),
        query.relation === "custody"
          ? eq(items.custodianOrgId, orgId)
          : eq(items.sellerOrgId, orgId),
        after ? gt(items.id, Number(after.id)) : undefined,
      ),
    )
    .orderBy(asc(items.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const open = page.length
    ? await db
        .select({ id: recalls.id, lotIds: recalls.lotIds })
        .from(recalls)
        .where(
          and(
            eq(recalls.status, "open"),
            inArray(recalls.gtin, [...new Set(page.map((r) => r.gtin))]),
          ),
        )
    : [];
  const recallsOfLot = new Map<string, string[]>();
  for (const r of open)
    for (const lotId of r.lotIds)
      recallsOfLot.set(lotId, [...(recallsOfLot.get(lotId) ?? []), r.id]);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      key: itemKeyOf(r.gtin, r.serial),
      serial: r.serial,
      lot: { key: lotKeyOf(r.gtin, r.lot), lot: r.lot },
      state: r.state,
      custodian: r.custodian,
      seller: r.seller,
      recalls: recallsOfLot.get(r.lotId) ?? [],
    })),
    next:
      rows.length > query.limit && last
        ? encodeCursor({ at: last.commissionedAt.toISOString(), id: String(last.id) })
        : null,
  };
}
