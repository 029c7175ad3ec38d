// Backward trace of an item: its lot and product, inspections and recalls, every custodian and transfer in order.
import { and, eq } from "drizzle-orm";
import { items, lots, products } from "../../db/schema";
import type { Database } from "../../db/types";
import { notFound } from "../../lib/errors";
import {
  itemKeyOf,
  itemKeyVariants,
  LOT_KINDS,
  lotFacts,
  lotKeyOf,
  papersInLedger,
  partyIdsOf,
  productFacts,
  type TraceContext,
  traceEventView,
} from "./common";
import { inclusionProofs, keyDataIn } from "./ledger";
import { partiesOf } from "./parties";
import { applyEvent, edgeOf, lotFlagsAt, NOT_YET, type UnitState } from "./replay";
import type { BackwardTraceView } from "./schemas";

export async function backwardTrace(
  db: Database,
  ctx: TraceContext,
  target: { gtin: string; serial: string },
  asOf: Date | null,
): Promise<BackwardTraceView> {
  const read = await db.transaction(async (tx) => {
    const [row] = await tx
      .select({ item: items, lot: lots, product: products })
      .from(items)
      .innerJoin(lots, eq(lots.id, items.lotId))
      .innerJoin(products, eq(products.gtin, items.gtin))
      .where(and(eq(items.gtin, target.gtin), eq(items.serial, target.serial)));
    if (!row) throw notFound(`item ${itemKeyOf(target.gtin, target.serial)}`);
    const history = await keyDataIn(
      tx,
      {
        subjectKeys: itemKeyVariants(target.gtin, target.serial),
        papersOfLot: { lotId: row.lot.id, gtin: row.lot.gtin },
      },
      asOf,
    );
    return { ...row, history };
  }, ctx.snapshot);
  const { item, lot, product, history } = read;
  const papers = papersInLedger(history, ctx.baseUrl);
  const key = itemKeyOf(item.gtin, item.serial);
  const lotKey = lotKeyOf(lot.gtin, lot.lot);

  const unit: UnitState = { ...NOT_YET };
  const custody: BackwardTraceView["custody"] = [];
  const edges = history.map((e) => {
    const before = { ...unit };
    if (!LOT_KINDS.has(e.kind)) applyEvent(unit, e);
    if (unit.state && (unit.state !== before.state || unit.custodian !== before.custodian)) {
      custody.push({
        at: e.eventTime.toISOString(),
        kind: e.kind,
        event: e.id,
        from: before.custodian,
        to: unit.custodian,
        state: unit.state,
      });
    }
    return edgeOf(e, before);
  });

  const current = asOf
    ? { ...unit, recalled: lotFlagsAt(history).recalled }
    : {
        state: item.state,
        custodian: item.custodianOrgId,
        seller: item.sellerOrgId,
        recalled: item.recalled || lot.recalled,
      };
  const [parties, proofs] = await Promise.all([
    partiesOf(db, [
      ...partyIdsOf(history, edges),
      product.ownerOrgId,
      current.custodian,
      current.seller,
      ...papers.inspectorIds,
      ...papers.recallOrgIds,
    ]),
    inclusionProofs(db, history, ctx.checkpoint),
  ]);
  return {
    format: "zhuisu-trace/v1",
    direction: "backward",
    level: "item",
    key,
    asOf: asOf?.toISOString() ?? null,
    generatedAt: ctx.now.toISOString(),
    item: {
      key,
      serial: item.serial,
      state: current.state,
      recalled: current.recalled,
      custodian: current.custodian,
      seller: current.seller,
    },
    lot: lotFacts(lot, asOf ? lotFlagsAt(history) : lot),
    product: productFacts(product),
    inspections: papers.inspections,
    recalls: papers.recalls,
    custody,
    events: history.map((e, i) =>
      traceEventView(e, {
        parties,
        proofs,
        what: LOT_KINDS.has(e.kind) ? lotKey : key,
        quantity: LOT_KINDS.has(e.kind) ? null : 1,
        edge: edges[i],
      }),
    ),
    parties: [...parties.values()],
    checkpoint: ctx.checkpoint,
  };
}
