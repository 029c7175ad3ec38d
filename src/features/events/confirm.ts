// A buyer's confirmation of receipt: the receipt code stands in for an API key, for one item.
import { eq } from "drizzle-orm";
import { receipts } from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { AppError } from "../../lib/errors";
import { findReceipt } from "./receipts";
import { type Recorded, signOffItems } from "./service";
import { lockItems } from "./subjects";

export async function confirmReceipt(
  db: Db,
  ctx: { clock: Clock; hashSecret: string },
  itemCode: string,
  receiptCode: string,
): Promise<Recorded> {
  return db.transaction(async (tx) => {
    const [item] = await lockItems(tx, [itemCode], "json.item");
    const receipt = await findReceipt(tx, ctx.hashSecret, item!.id, receiptCode);
    if (!receipt) {
      throw new AppError(
        "not_found",
        `this receipt code does not belong to item ${item!.key}, or its sale was returned`,
      );
    }
    if (receipt.confirmedAt) {
      throw new AppError(
        "conflict",
        `receipt of item ${item!.key} was already confirmed at ${receipt.confirmedAt.toISOString()}`,
      );
    }
    const recorded = await signOffItems(tx, ctx.clock, [item!], { actor: null });
    await tx
      .update(receipts)
      .set({ confirmedAt: ctx.clock.now() })
      .where(eq(receipts.id, receipt.id));
    return recorded;
  });
}
