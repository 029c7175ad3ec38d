// Forward trace of a lot (where every unit went) and the lots of a product, in a few aggregate queries.
import { and, asc, count, eq, lte, sql } from "drizzle-orm";
import { lookupRegion } from "../../codes/region";
import { rowsOf } from "../../db/rows";
import { type ItemState, items, lots, products } from "../../db/schema";
import type { Database, Db } from "../../db/types";
import { notFound } from "../../lib/errors";
import {
  itemKeyOf,
  itemKeyVariants,
  lotFacts,
  lotKeyOf,
  papersOf,
  partyIdsOf,
  productFacts,
  type TraceContext,
  traceEventView,
} from "./common";
import { inclusionProofs, itemKeysOfEventsOf, keyDataIn, subjectRows } from "./ledger";
import { partiesOf } from "./parties";
import { applyEvent, edgeOf, lotFlagsAt, NOT_YET, type UnitState } from "./replay";
import type { ForwardTraceView, ProductTraceView } from "./schemas";

interface UnitRow {
  serial: string;
  state: ItemState;
  custodian: string | null;
  seller: string | null;
  recalled: boolean;
}

/**
 * The units of a lot in commissioning order, as one row of text lines: ten thousand rows of five
 * columns cost far more to transfer and decode one by one (serials and org ids have no spaces).
 */
async function unitsOf(db: Db, lotId: string): Promise<UnitRow[]> {
  const [row] = rowsOf<{ units: string | null }>(
    await db.execute(sql`
      select string_agg(concat_ws(' ', serial, state, coalesce(custodian_org_id, '-'),
                                  coalesce(seller_org_id, '-'), recalled::int), E'\n' order by id) as units
      from ${items} where lot_id = ${lotId}`),
  );
  if (!row?.units) return [];
  return row.units.split("\n").map((line) => {
    const [serial, state, custodian, seller, recalled] = line.split(" ");
    return {
      serial: serial!,
      state: state as ItemState,
      custodian: custodian === "-" ? null : custodian!,
      seller: seller === "-" ? null : seller!,
      recalled: recalled === "1",
    };
  });
}

export async function forwardTrace(
  db: Database,
  ctx: TraceContext,
  target: { gtin: string; lot: string },
  asOf: Date | null,
): Promise<ForwardTraceView> {
  const lotKey = lotKeyOf(target.gtin, target.lot);
  const read = await db.transaction(async (tx) => {
    const [row] = await tx
      .select({ lot: lots, product: products })
      .from(lots)
      .innerJoin(products, eq(products.gtin, lots.gtin))
      .where(and(eq(lots.gtin, target.gtin), eq(lots.lot, target.lot)));
    if (!row) throw notFound(`lot ${lotKey}`);
    const units = await unitsOf(tx, row.lot.id);
    const papers = await papersOf(tx, row.product.gtin, [row.lot.id], ctx);
    const named = await subjectRows(tx, lotKey);
    const history = await keyDataIn(tx, { subjectKeys: [lotKey], ids: papers.eventIds }, asOf);
    const keysOfEvent = await itemKeysOfEventsOf(tx, lotKey);
    return { ...row, units, papers, named, history, keysOfEvent };
  }, ctx.snapshot);
  const { lot, product, units, papers, named, history, keysOfEvent } = read;

  // Which of the lot's units each event touches (an event may carry units of other lots too).
  const unitOfKey = new Map<string, number>();
  units.forEach((u, i) => {
    for (const k of itemKeyVariants(product.gtin, u.serial)) unitOfKey.set(k, i);
  });
  const unitsOfEvent = new Map<number, number[]>();
  for (const [eventId, keys] of keysOfEvent) {
    const touched: number[] = [];
    for (const k of keys) {
      const i = unitOfKey.get(k);
      if (i !== undefined) touched.push(i);
    }
    if (touched.length > 0) unitsOfEvent.set(eventId, touched);
  }
  const lotQuantity = new Map<number, number>();
  for (const n of named) {
    if (n.role !== "context" && n.quantity !== null) lotQuantity.set(n.eventId, n.quantity);
  }

  const replayed: UnitState[] = units.map(() => ({ ...NOT_YET }));
  const edges = history.map((e) => {
    const touched = unitsOfEvent.get(e.id) ?? [];
    const first = touched[0];
    const before = first === undefined ? undefined : { ...replayed[first]! };
    for (const i of touched) applyEvent(replayed[i]!, e);
    return edgeOf(e, before);
  });
  const flags = asOf ? lotFlagsAt(history) : lot;
  const list = units.map((u, i) => {
    const r = replayed[i]!;
    return {
      key: itemKeyOf(product.gtin, u.serial),
      serial: u.serial,
      state: asOf ? r.state : u.state,
      recalled: asOf ? flags.recalled : u.recalled || lot.recalled,
      custodian: asOf ? r.custodian : u.custodian,
      seller: asOf ? r.seller : u.seller,
      destinationRegion: r.destinationRegion,
    };
  });
  const present = list.filter((u) => u.state !== null);

  const byState: Record<string, number> = {};
  const byCustodian = new Map<string, { custodian: string | null; state: string; units: number }>();
  const byRegion = new Map<string | null, number>();
  const sellers = new Set<string>();
  for (const u of present) {
    if (u.seller) sellers.add(u.seller);
    byState[u.state!] = (byState[u.state!] ?? 0) + 1;
    const group = `${u.custodian ?? ""}\u0000${u.state}`;
    const g = byCustodian.get(group) ?? { custodian: u.custodian, state: u.state!, units: 0 };
    g.units += 1;
    byCustodian.set(group, g);
    byRegion.set(u.destinationRegion, (byRegion.get(u.destinationRegion) ?? 0) + 1);
  }

  const [parties, proofs] = await Promise.all([
    partiesOf(db, [
      ...partyIdsOf(history, edges),
      product.ownerOrgId,
      ...[...byCustodian.values()].map((g) => g.custodian),
      ...sellers,
      ...papers.inspectorIds,
      ...papers.recallOrgIds,
    ]),
    inclusionProofs(db, history, ctx.checkpoint),
  ]);
  return {
    format: "zhuisu-trace/v1",
    direction: "forward",
    level: "lot",
    key: lotKey,
    asOf: asOf?.toISOString() ?? null,
    generatedAt: ctx.now.toISOString(),
    lot: lotFacts(lot, flags),
    product: productFacts(product),
    inspections: papers.inspections(asOf),
    recalls: papers.recalls(asOf),
    units: {
      total: present.length,
      byState,
      byCustodian: [...byCustodian.values()].sort((a, b) => b.units - a.units),
      byRegion: [...byRegion.entries()]
        .map(([region, n]) => ({
          region,
          names: region ? (lookupRegion(region)?.names ?? []) : [],
          units: n,
        }))
        .sort((a, b) => b.units - a.units),
      list: present,
    },
    events: history.map((e, i) =>
      traceEventView(e, {
        parties,
        proofs,
        what: lotKey,
        quantity: lotQuantity.get(e.id) ?? unitsOfEvent.get(e.id)?.length ?? null,
        edge: edges[i],
      }),
    ),
    parties: [...parties.values()],
    checkpoint: ctx.checkpoint,
  };
}

export async function productTrace(
  db: Database,
  ctx: TraceContext,
  gtin: string,
  asOf: Date | null,
): Promise<ProductTraceView> {
  const read = await db.transaction(async (tx) => {
    const [product] = await tx.select().from(products).where(eq(products.gtin, gtin));
    if (!product) throw notFound(`product /01/${gtin}`);
    const lotRows = await tx
      .select()
      .from(lots)
      .where(and(eq(lots.gtin, gtin), asOf ? lte(lots.createdAt, asOf) : undefined))
      .orderBy(asc(lots.createdAt), asc(lots.lot));
    const counts = await tx
      .select({ lotId: items.lotId, state: items.state, units: count() })
      .from(items)
      .where(and(eq(items.gtin, gtin), asOf ? lte(items.commissionedAt, asOf) : undefined))
      .groupBy(items.lotId, items.state);
    const papers = await papersOf(
      tx,
      gtin,
      lotRows.map((l) => l.id),
      ctx,
    );
    const history = await keyDataIn(tx, { subjectKeys: [], ids: papers.eventIds }, asOf);
    return { product, lotRows, counts, papers, history };
  }, ctx.snapshot);
  const { product, lotRows, counts, papers, history } = read;

  const lotViews = lotRows.map((lot) => {
    const own = counts.filter((c) => c.lotId === lot.id);
    const flags = asOf
      ? lotFlagsAt(history.filter((e) => papers.lotsOfEvent.get(e.id)?.includes(lot.id)))
      : lot;
    return {
      ...lotFacts(lot, flags),
      units: own.reduce((sum, c) => sum + Number(c.units), 0),
      byState: asOf ? null : Object.fromEntries(own.map((c) => [c.state, Number(c.units)])),
    };
  });
  const lotKeyById = new Map(lotRows.map((l) => [l.id, lotKeyOf(l.gtin, l.lot)]));
  const productKey = `/01/${gtin}`;
  const edges = history.map((e) => edgeOf(e));
  const [parties, proofs] = await Promise.all([
    partiesOf(db, [
      ...partyIdsOf(history, edges),
      product.ownerOrgId,
      ...papers.inspectorIds,
      ...papers.recallOrgIds,
    ]),
    inclusionProofs(db, history, ctx.checkpoint),
  ]);
  return {
    format: "zhuisu-trace/v1",
    direction: "product",
    level: "product",
    key: productKey,
    asOf: asOf?.toISOString() ?? null,
    generatedAt: ctx.now.toISOString(),
    product: productFacts(product),
    lots: lotViews,
    inspections: papers.inspections(asOf),
    recalls: papers.recalls(asOf),
    events: history.map((e) => {
      const about = papers.lotsOfEvent.get(e.id) ?? [];
      return traceEventView(e, {
        parties,
        proofs,
        what: about.length === 1 ? (lotKeyById.get(about[0]!) ?? productKey) : productKey,
        quantity: null,
      });
    }),
    parties: [...parties.values()],
    checkpoint: ctx.checkpoint,
  };
}
