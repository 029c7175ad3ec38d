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
import type { Db } from "../../db/types";
import { type Waiting as GatherWaiting, gatherer } from "../../lib/gather";
import {
  decideItemSales,
  type ItemSale,
  prepareItemSale,
  recordedOf,
  type SaleDecision,
  type SaleInput,
} from "./item-sale";
import {
  alertOnLifecycleRefusal,
  type LifecycleContext,
  type Recorded,
  recordLifecycle,
} from "./service";

/** Requests per transaction: beyond this a batch is flushed at once. */
export const MAX_BATCH = 64;

interface SaleRequest {
  ctx: LifecycleContext;
  input: SaleInput;
}

type Waiting = GatherWaiting<SaleRequest, Recorded>;

interface Prepared extends ItemSale {
  waiting: Waiting;
}

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
    try {
      prepared.push({
        waiting,
        ...(await prepareItemSale(waiting.value.ctx, waiting.value.input)),
      });
    } catch (error) {
      waiting.reject(error);
    }
  }
  if (prepared.length === 0) return;
  let committing = false;
  let decisions: SaleDecision[];
  try {
    decisions = await db.transaction(async (tx) => {
      const decided = await decideItemSales(tx, prepared);
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
      if (decision.kind !== "refused") request.waiting.resolve(recordedOf(decision));
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
