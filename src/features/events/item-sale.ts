// The sale of serialised items, for one request or for a batch of them (sale-batch): the event,
// the rules, and the transaction's work, in one place for both.
import type { z } from "@hono/zod-openapi";
import { lotKey, productKey } from "../../codes/keys";
import type { EventRow } from "../../db/schema";
import type { Db } from "../../db/types";
import { appendEvents, eventsByHashIds } from "../../ledger/append";
import { epcOf, objectEvent, orgUri, ZS_CONTEXT } from "../../ledger/epcis";
import { eventHashId } from "../../ledger/event-hash";
import { AppError } from "../../lib/errors";
import { sellItems } from "./receipts";
import { checkEach, eventTimeOf, notDestroyed } from "./rules";
import type { SaleBody } from "./schemas";
import type { LifecycleContext, Recorded } from "./service";
import {
  itemSubjects,
  itemsInOrder,
  type LockedItem,
  lockItemsForSale,
  markSold,
  parseItemCodes,
} from "./subjects";

export type SaleInput = z.infer<typeof SaleBody>;

/** A sale of serialised items, checked and hashed before its transaction. */
export interface ItemSale {
  ctx: LifecycleContext;
  input: SaleInput;
  wanted: { gtin: string; serial: string; key: string }[];
  event: Record<string, unknown>;
  hashId: string;
}

/** What a transaction decided for one sale: recorded, refused, or answered by a stored twin. */
export type SaleDecision =
  | { kind: "accepted"; items: LockedItem[]; recorded?: Recorded }
  | { kind: "refused"; error: unknown }
  | { kind: "stored"; row: EventRow };

/** Parses a sale's codes and builds and hashes its event; throws what is wrong with the request. */
export async function prepareItemSale(ctx: LifecycleContext, input: SaleInput): Promise<ItemSale> {
  const wanted = parseItemCodes(input.items!, "json.items");
  const event = itemSaleEvent(ctx, input, wanted);
  return { ctx, input, wanted, event, hashId: await eventHashId(event, ZS_CONTEXT) };
}

/** A lone sale of serialised items in the caller's transaction: a batch of one. */
export async function recordItemSale(
  tx: Db,
  ctx: LifecycleContext,
  input: SaleInput,
): Promise<Recorded> {
  const [decision] = await decideItemSales(tx, [await prepareItemSale(ctx, input)]);
  return recordedOf(decision!);
}

/** The answer a decided sale gets: its record, the stored twin's, or its refusal thrown. */
export function recordedOf(decision: SaleDecision): Recorded {
  if (decision.kind === "refused") throw decision.error;
  if (decision.kind === "stored")
    return { appended: { row: decision.row, duplicate: true }, affected: 0 };
  return decision.recorded!;
}

/**
 * Inside one transaction: locks every item of the sales (in id order, so that concurrent
 * transactions cannot deadlock) with every seller's listings, decides each sale in order against
 * the items as the sales before it left them, and writes the accepted ones with one append and
 * one receipts statement.
 */
export async function decideItemSales(tx: Db, sales: ItemSale[]): Promise<SaleDecision[]> {
  const allWanted = new Map(sales.flatMap((s) => s.wanted.map((w) => [w.key, w])));
  const sellers = [...new Set(sales.map((s) => s.ctx.caller.id))];
  const { found, listed } = await lockItemsForSale(tx, [...allWanted.values()], sellers);
  const decisions: SaleDecision[] = sales.map((sale) => {
    const seller = sale.ctx.caller.id;
    let items: LockedItem[];
    try {
      items = itemsInOrder(sale.wanted, found, "json.items");
      if (sale.input.eventTime) eventTimeOf(sale.input.eventTime, sale.ctx.clock, items);
      checkSale(items, seller, listed(seller));
    } catch (error) {
      return { kind: "refused", error };
    }
    markSold(found, items, seller);
    return { kind: "accepted", items };
  });
  // A refused sale may be the retry of one stored or accepted just now: it is answered with that.
  // The stored ones are read after the lock, so a concurrent twin that committed is seen.
  const accepted = new Map<string, number>();
  sales.forEach((s, i) => {
    if (decisions[i]!.kind === "accepted" && !accepted.has(s.hashId)) accepted.set(s.hashId, i);
  });
  const retried = sales.filter((s, i) => isRefusedByRule(decisions[i]!) && !accepted.has(s.hashId));
  const stored =
    retried.length > 0
      ? await eventsByHashIds(
          tx,
          retried.map((s) => s.hashId),
        )
      : null;
  const twins: [number, number][] = [];
  sales.forEach((s, i) => {
    if (!isRefusedByRule(decisions[i]!)) return;
    const twin = accepted.get(s.hashId);
    if (twin !== undefined) twins.push([i, twin]);
    const row = stored?.get(s.hashId);
    if (row) decisions[i] = { kind: "stored", row };
  });

  const order = [...accepted.values()];
  if (order.length === 0) return decisions;
  const itemsOf = (i: number) => (decisions[i] as { items: LockedItem[] }).items;
  const now = sales[0]!.ctx.clock.now();
  const appended = await appendEvents(
    tx,
    now,
    order.map((i) => ({
      kind: "sale",
      actorOrgId: sales[i]!.ctx.caller.id,
      event: sales[i]!.event,
      subjects: itemSubjects(itemsOf(i)),
    })),
    order.map((i) => sales[i]!.hashId),
  );
  if (appended.some((a) => a.duplicate)) {
    // The same sale stored before, its items since returned: nothing new is written.
    if (sales.length === 1)
      return [
        { kind: "accepted", items: itemsOf(0), recorded: { appended: appended[0]!, affected: 0 } },
      ];
    // In a batch the others were decided against these items as sold: recorded again one by one.
    throw new BatchNeedsReplay();
  }
  const receipts = await sellItems(
    tx,
    sales[0]!.ctx,
    order.map((i, n) => ({
      sellerId: sales[i]!.ctx.caller.id,
      items: itemsOf(i),
      saleEventId: appended[n]!.row.id,
      buyerRef: sales[i]!.input.buyerRef,
    })),
    now,
  );
  order.forEach((i, n) => {
    const items = itemsOf(i);
    decisions[i] = {
      kind: "accepted",
      items,
      recorded: { appended: appended[n]!, affected: items.length, receipts: receipts[n] },
    };
  });
  for (const [i, twin] of twins)
    decisions[i] = { kind: "stored", row: appended[order.indexOf(twin)]!.row };
  return decisions;
}

const isRefusedByRule = (decision: SaleDecision) =>
  decision.kind === "refused" &&
  decision.error instanceof AppError &&
  decision.error.code === "custody_violation";

class BatchNeedsReplay extends Error {
  constructor() {
    super("a sale of the batch repeats a stored one; the batch is recorded request by request");
  }
}

/** A sale's order, as the EPCIS business transaction that names it. */
export const orderOf = (sellerId: string, orderNumber: string) => ({
  type: "po",
  bizTransaction: `urn:zhuisu:po:${sellerId}:${encodeURIComponent(orderNumber)}`,
});

/** The EPCIS event of a sale of serialised items (`wanted`, parsed from the request's codes). */
export function itemSaleEvent(
  ctx: LifecycleContext,
  input: SaleInput,
  wanted: { key: string }[],
): Record<string, unknown> {
  return objectEvent({
    action: "OBSERVE",
    eventTime: eventTimeOf(input.eventTime, ctx.clock),
    epcs: wanted.map((w) => epcOf(w.key)),
    bizStep: "retail_selling",
    disposition: "retail_sold",
    bizTransactions: [orderOf(ctx.caller.id, input.orderNumber)],
    sources: [{ type: "owning_party", source: orgUri(ctx.caller.id) }],
  });
}

/**
 * The sale rules of serialised items, for one request or for each request of a batch: refuses,
 * naming each item, unless every item may be sold by `sellerId` now.
 */
export function checkSale(items: LockedItem[], sellerId: string, listed: Set<string>): void {
  checkEach(items, (item) => {
    if (item.state === "destroyed") return notDestroyed(item);
    if (item.recalled || item.lotRecalled)
      return ["recalled_not_sold", `item ${item.key} is recalled and cannot be sold`];
    if (item.lotNonConforming)
      return [
        "non_conforming_not_sold",
        `item ${item.key} belongs to lot ${item.lot}, which failed inspection`,
      ];
    if (item.state !== "commissioned" && item.state !== "returned") {
      return [
        "sold_once",
        `item ${item.key} is already ${item.state}; an item is sold once unless it is returned`,
      ];
    }
    const holds = item.custodianOrgId === sellerId;
    const lists = listed.has(productKey(item.gtin)) || listed.has(lotKey(item.gtin, item.lot));
    if (!holds && !lists) {
      return [
        "seller_must_hold_or_list",
        `organisation ${sellerId} neither holds item ${item.key} nor lists its product`,
      ];
    }
    return null;
  });
}
