// Group commit for sales of serialised items: concurrent requests share one transaction and one commit.
//
// Requests gather for GROUP_COMMIT_MS (or until MAX_BATCH wait). One statement locks every item of
// the batch with the listings of every seller; the sale rules (`checkSale`, the same as a lone
// sale's) are decided request by request, in arrival order, against the items as the earlier
// requests of the batch left them; the accepted sales are appended and their receipts written with
// one statement each; each caller is answered after the one commit. A request that breaks a rule
// gets its own error and spoils nothing. A statement that fails for another reason rolls the batch
// back, and its requests are then recorded one by one, so that only the culprit fails. A failed
// commit fails every request of the batch: none of them is answered with a success.
import type { z } from "@hono/zod-openapi";
import type { EventRow } from "../../db/schema";
import type { Db } from "../../db/types";
import { appendEvents, eventsByHashIds } from "../../ledger/append";
import { ZS_CONTEXT } from "../../ledger/epcis";
import { eventHashId } from "../../ledger/event-hash";
import { AppError } from "../../lib/errors";
import { type Waiting as GatherWaiting, gatherer } from "../../lib/gather";
import { sellItems } from "./receipts";
import { eventTimeOf } from "./rules";
import type { SaleBody } from "./schemas";
import {
  alertOnLifecycleRefusal,
  checkSale,
  itemSaleEvent,
  itemSubjects,
  type LifecycleContext,
  type Recorded,
  recordLifecycle,
} from "./service";
import {
  itemsInOrder,
  type LockedItem,
  lockItemsForSale,
  markSold,
  parseItemCodes,
} from "./subjects";

/** Requests per transaction: beyond this a batch is flushed at once. */
export const MAX_BATCH = 64;

type SaleInput = z.infer<typeof SaleBody>;

interface SaleRequest {
  ctx: LifecycleContext;
  input: SaleInput;
}

type Waiting = GatherWaiting<SaleRequest, Recorded>;

interface Prepared {
  waiting: Waiting;
  ctx: LifecycleContext;
  input: SaleInput;
  wanted: { gtin: string; serial: string; key: string }[];
  event: Record<string, unknown>;
  hashId: string;
}

/** What the transaction decided for one request: recorded, refused, or a twin of another. */
type Decision =
  | { kind: "accepted"; items: LockedItem[]; recorded?: Recorded }
  | { kind: "refused"; error: unknown }
  | { kind: "stored"; row: EventRow };

export interface SaleBatcher {
  /** Records an item sale with the others waiting; resolves after the commit that holds it. */
  record(ctx: LifecycleContext, input: SaleInput): Promise<Recorded>;
  /** Batches flushed, the largest so far, and those recorded again one by one. */
  readonly stats: { batches: number; largest: number; replayed: number };
}

export function saleBatcher(db: Db, windowMs: number): SaleBatcher {
  const replays = { replayed: 0 };
  const gathered = gatherer<SaleRequest, Recorded>(
    // Two batches at the database at once: one is written while the next decides.
    { windowMs, maxBatch: MAX_BATCH, maxInFlight: 2 },
    (batch) => flush(db, batch, replays),
  );
  return {
    get stats() {
      return { ...gathered.stats, ...replays };
    },
    record: (ctx, input) => gathered.submit({ ctx, input }),
  };
}

async function flush(db: Db, batch: Waiting[], stats: { replayed: number }): Promise<void> {
  const prepared: Prepared[] = [];
  for (const waiting of batch) {
    const { ctx, input } = waiting.value;
    try {
      const wanted = parseItemCodes(input.items!, "json.items");
      const event = itemSaleEvent(ctx, input, wanted);
      prepared.push({
        waiting,
        ctx,
        input,
        wanted,
        event,
        hashId: await eventHashId(event, ZS_CONTEXT),
      });
    } catch (error) {
      waiting.reject(error);
    }
  }
  if (prepared.length === 0) return;
  let committing = false;
  let decisions: Decision[];
  try {
    decisions = await db.transaction(async (tx) => {
      const decided = await decide(tx, prepared);
      committing = true;
      return decided;
    });
  } catch (error) {
    if (committing || prepared.length === 1) {
      for (const request of prepared) request.waiting.reject(error);
      return;
    }
    // Not a rule (those are decided, not thrown): find the culprit by recording one by one.
    stats.replayed += 1;
    for (const request of prepared) {
      await recordLifecycle(db, request.ctx, request.input).then(
        request.waiting.resolve,
        request.waiting.reject,
      );
    }
    return;
  }
  await Promise.all(
    prepared.map(async (request, i) => {
      const decision = decisions[i]!;
      if (decision.kind === "accepted") request.waiting.resolve(decision.recorded!);
      else if (decision.kind === "stored")
        request.waiting.resolve({ appended: { row: decision.row, duplicate: true }, affected: 0 });
      else {
        // As after a lone sale's rollback: the attempt on recalled goods is a signal that stays.
        await alertOnLifecycleRefusal(db, request.ctx, request.input, decision.error).catch(
          () => undefined,
        );
        request.waiting.reject(decision.error);
      }
    }),
  );
}

/** Inside the batch's transaction: locks, decides each request in order, writes the accepted ones. */
async function decide(tx: Db, prepared: Prepared[]): Promise<Decision[]> {
  const allWanted = new Map(prepared.flatMap((r) => r.wanted.map((w) => [w.key, w])));
  const sellers = [...new Set(prepared.map((r) => r.ctx.caller.id))];
  const { found, listed } = await lockItemsForSale(tx, [...allWanted.values()], sellers);
  const decisions: Decision[] = prepared.map((request) => {
    const seller = request.ctx.caller.id;
    let items: LockedItem[];
    try {
      items = itemsInOrder(request.wanted, found, "json.items");
      if (request.input.eventTime) eventTimeOf(request.input.eventTime, request.ctx.clock, items);
      checkSale(items, seller, listed(seller));
    } catch (error) {
      return { kind: "refused", error };
    }
    markSold(found, items, seller);
    return { kind: "accepted", items };
  });
  // A refused sale may be the retry of one stored or accepted just now: it is answered with that.
  const accepted = new Map<string, number>();
  prepared.forEach((r, i) => {
    if (decisions[i]!.kind === "accepted" && !accepted.has(r.hashId)) accepted.set(r.hashId, i);
  });
  const retried = prepared.filter(
    (r, i) => isRefusedByRule(decisions[i]!) && !accepted.has(r.hashId),
  );
  const stored =
    retried.length > 0
      ? await eventsByHashIds(
          tx,
          retried.map((r) => r.hashId),
        )
      : null;
  const twins: [number, number][] = [];
  prepared.forEach((r, i) => {
    if (!isRefusedByRule(decisions[i]!)) return;
    const twin = accepted.get(r.hashId);
    if (twin !== undefined) twins.push([i, twin]);
    const row = stored?.get(r.hashId);
    if (row) decisions[i] = { kind: "stored", row };
  });

  const order = [...accepted.values()];
  if (order.length === 0) return decisions;
  const now = prepared[0]!.ctx.clock.now();
  const appended = await appendEvents(
    tx,
    now,
    order.map((i) => {
      const request = prepared[i]!;
      const { items } = decisions[i] as { items: LockedItem[] };
      return {
        kind: "sale",
        actorOrgId: request.ctx.caller.id,
        event: request.event,
        subjects: itemSubjects(items),
      };
    }),
    order.map((i) => prepared[i]!.hashId),
  );
  // A sale stored before whose items were since returned writes nothing, yet this batch decided
  // its items sold: the batch is recorded again one request at a time, as lone sales are.
  if (appended.some((a) => a.duplicate)) throw new BatchNeedsReplay();
  const receipts = await sellItems(
    tx,
    prepared[0]!.ctx,
    order.map((i, n) => ({
      sellerId: prepared[i]!.ctx.caller.id,
      items: (decisions[i] as { items: LockedItem[] }).items,
      saleEventId: appended[n]!.row.id,
      buyerRef: prepared[i]!.input.buyerRef,
    })),
    now,
  );
  order.forEach((i, n) => {
    const { items } = decisions[i] as { items: LockedItem[] };
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

const isRefusedByRule = (decision: Decision) =>
  decision.kind === "refused" &&
  decision.error instanceof AppError &&
  decision.error.code === "custody_violation";

class BatchNeedsReplay extends Error {
  constructor() {
    super("a sale of the batch repeats a stored one; the batch is recorded request by request");
  }
}
