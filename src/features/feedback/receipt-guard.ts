// Receipt codes as consumer credentials: every check goes through here, with a lockout after wrong tries.
//
// Wrong codes are counted in the database (receipt_attempts), per item and per client, so the
// lockout holds across API nodes. A check locks the item's row, so parallel guesses queue up and
// cannot slip past the count. While an item is locked even the right code is refused (429): a
// guesser learns nothing from the answer.
import { and, asc, eq, gte, sql } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { parseCode } from "../../codes";
import { rowsOf } from "../../db/rows";
import { type Receipt, receiptAttempts, receipts } from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { rateLimited } from "../../lib/rate-limit";
import { confirmReceipt } from "../events/confirm";
import { receiptHash } from "../events/receipts";
import type { Recorded } from "../events/service";
import { clientFingerprint, limitClient } from "../scans/fingerprint";

/** Wrong codes for one item within the window before the item is locked. */
export const ITEM_MAX_FAILURES = 5;
export const ITEM_WINDOW_MS = 15 * 60_000;
/** Wrong codes from one client (any items) within the window before the client is locked. */
export const CLIENT_MAX_FAILURES = 20;
export const CLIENT_WINDOW_MS = 60 * 60_000;

export interface GuardContext {
  hashSecret: string;
  now: Date;
  fingerprint: string;
}

/** Seconds until fewer than `max` of these failures remain inside the window. */
function lockedFor(failures: Date[], max: number, windowMs: number, now: Date): number {
  if (failures.length < max) return 0;
  // The lock lifts when the (n - max + 1)-th oldest failure leaves the window.
  const freeing = failures[failures.length - max]!;
  return Math.max(1, Math.ceil((freeing.getTime() + windowMs - now.getTime()) / 1000));
}

async function failuresSince(db: Db, where: ReturnType<typeof and>, since: Date): Promise<Date[]> {
  const rows = await db
    .select({ at: receiptAttempts.at })
    .from(receiptAttempts)
    .where(and(where, gte(receiptAttempts.at, since)))
    .orderBy(asc(receiptAttempts.at));
  return rows.map((r) => r.at);
}

function lockedOut(what: string, seconds: number, reason: string): AppError {
  const base = rateLimited(what, seconds);
  return new AppError(base.code, base.detail, { ...base.extras, reason }, base.headers);
}

type Outcome = { ok: true; receipt: Receipt } | { ok: false; error: AppError };

/**
 * The receipt of `itemId` that `code` opens (open or closed by a return), or an error: 404 for a
 * wrong code (counted), 429 while the item or the client is locked out.
 */
export async function checkReceipt(
  db: Db,
  ctx: GuardContext,
  item: { id: number; key: string },
  code: string,
): Promise<Receipt> {
  const outcome = await db.transaction(async (tx): Promise<Outcome> => {
    // Serialises the checks of one item: concurrent guesses see each other's failures.
    rowsOf(await tx.execute(sql`select id from items where id = ${item.id} for update`));
    const itemFailures = await failuresSince(
      tx,
      eq(receiptAttempts.itemId, item.id),
      new Date(ctx.now.getTime() - ITEM_WINDOW_MS),
    );
    const itemWait = lockedFor(itemFailures, ITEM_MAX_FAILURES, ITEM_WINDOW_MS, ctx.now);
    if (itemWait > 0) {
      return {
        ok: false,
        error: lockedOut(
          `too many wrong receipt codes for item ${item.key}; it is locked for a while`,
          itemWait,
          "item_locked",
        ),
      };
    }
    const clientFailures = await failuresSince(
      tx,
      eq(receiptAttempts.fingerprint, ctx.fingerprint),
      new Date(ctx.now.getTime() - CLIENT_WINDOW_MS),
    );
    const clientWait = lockedFor(clientFailures, CLIENT_MAX_FAILURES, CLIENT_WINDOW_MS, ctx.now);
    if (clientWait > 0) {
      return {
        ok: false,
        error: lockedOut(
          "too many wrong receipt codes from this client",
          clientWait,
          "client_locked",
        ),
      };
    }
    const [receipt] = await tx
      .select()
      .from(receipts)
      .where(
        and(
          eq(receipts.codeHash, await receiptHash(ctx.hashSecret, code)),
          eq(receipts.itemId, item.id),
        ),
      );
    if (receipt) return { ok: true, receipt };
    await tx
      .insert(receiptAttempts)
      .values({ itemId: item.id, fingerprint: ctx.fingerprint, at: ctx.now });
    const left = ITEM_MAX_FAILURES - itemFailures.length - 1;
    return {
      ok: false,
      error: new AppError(
        "not_found",
        `this receipt code does not belong to item ${item.key}${left > 0 ? ` (${left} more tries before the item is locked for 15 minutes)` : "; the item is now locked for 15 minutes"}`,
        { triesLeft: Math.max(0, left), reason: "wrong_receipt" },
      ),
    };
  });
  if (!outcome.ok) throw outcome.error;
  return outcome.receipt;
}

/** Confirmation of receipt by the buyer, behind the lockout; the sign-off itself is the events feature's. */
export async function confirmReceiptGuarded(
  db: Db,
  ctx: GuardContext & { clock: Clock },
  item: { id: number; key: string },
  code: string,
): Promise<Recorded> {
  const receipt = await checkReceipt(db, ctx, item, code);
  if (receipt.closedAt) {
    throw new AppError(
      "conflict",
      `the sale of item ${item.key} under this receipt was returned; the receipt no longer confirms`,
      { reason: "sale_returned" },
    );
  }
  if (receipt.confirmedAt) {
    throw new AppError(
      "conflict",
      `receipt of item ${item.key} was already confirmed at ${receipt.confirmedAt.toISOString()}`,
      { reason: "already_confirmed" },
    );
  }
  return confirmReceipt(db, { clock: ctx.clock, hashSecret: ctx.hashSecret }, item.key, code);
}

/**
 * Puts the lockout and the per-client limit in front of `POST /v1/receipts/confirm` (a route of
 * the events feature): a locked item or client is refused before the route runs, and a 404 from
 * it (a wrong code) is counted as a failure.
 */
export const receiptConfirmGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== "POST") return next();
  await limitClient(c, "write");
  const body = (await c.req.json().catch(() => null)) as {
    item?: unknown;
    receiptCode?: unknown;
  } | null;
  const itemCode = typeof body?.item === "string" ? body.item : null;
  const code = typeof body?.receiptCode === "string" ? body.receiptCode : null;
  const parsed = itemCode ? parseCode(itemCode, { gbt33993: false }) : null;
  if (!parsed?.ok || parsed.value.kind !== "gs1" || parsed.value.level !== "item" || !code) {
    return next(); // the route's own validation answers
  }
  const { db, secrets, clock } = c.var.deps;
  const [row] = rowsOf<{ id: number }>(
    await db.execute(
      sql`select id from items where gtin = ${parsed.value.gtin!} and serial = ${parsed.value.serial!}`,
    ),
  );
  if (!row) return next();
  // The guard checks (and counts) the code; the route then records the confirmation.
  await checkReceipt(
    db,
    { hashSecret: secrets.hashSecret, now: clock.now(), fingerprint: await clientFingerprint(c) },
    { id: Number(row.id), key: parsed.value.key },
    code,
  );
  await next();
};
