// Receipt codes: one per sold item, shown once to the seller for the buyer, kept only as a keyed hash.
import { and, eq, isNull, sql } from "drizzle-orm";
import { items as itemsTable, type Receipt, receipts } from "../../db/schema";
import type { Db } from "../../db/types";
import { keyedHash } from "../../lib/crypto";
import { randomString } from "../../lib/random";
import { newId } from "../orgs/service";
import type { LockedItem } from "./subjects";

/** Crockford-style: no 0/O, 1/I/L, so a buyer can type it from a slip. 12 of 31 symbols ≈ 59 bits. */
export const RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
export const RECEIPT_LENGTH = 12;

export interface IssuedReceipt {
  item: string;
  receiptCode: string;
  url: string;
}

export const receiptHash = (hashSecret: string, code: string) =>
  keyedHash(hashSecret, "receipt", code.trim().toUpperCase());

/** One sale's share of `sellItems`: its seller, its items and its stored event. */
export interface SoldItems {
  sellerId: string;
  items: LockedItem[];
  saleEventId: number;
  buyerRef: string | undefined;
}

/**
 * Marks the items of each sale sold by its seller and issues one receipt code per item: the sales
 * of one request or of a whole batch, in one statement per 5,000 items. Codes come back per sale.
 */
export async function sellItems(
  tx: Db,
  ctx: { hashSecret: string; baseUrl: string },
  sales: SoldItems[],
  now: Date,
): Promise<IssuedReceipt[][]> {
  const issued = await Promise.all(
    sales.map(async (sale) => {
      const buyer = sale.buyerRef
        ? await keyedHash(ctx.hashSecret, "buyer", `${sale.sellerId}:${sale.buyerRef}`)
        : null;
      return Promise.all(
        sale.items.map(async (item) => {
          const code = randomString(RECEIPT_LENGTH, RECEIPT_ALPHABET);
          return { sale, buyer, item, code, hash: await receiptHash(ctx.hashSecret, code) };
        }),
      );
    }),
  );
  const all = issued.flat();
  for (let i = 0; i < all.length; i += 5_000) {
    const rows = all.slice(i, i + 5_000).map(({ sale, buyer, item, hash }) => ({
      id: newId("rcp"),
      code_hash: hash,
      item_id: item.id,
      sale_event_id: sale.saleEventId,
      seller_org_id: sale.sellerId,
      buyer_ref: buyer,
    }));
    await tx.execute(sql`
      with r as (
        select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
          id text, code_hash text, item_id bigint, sale_event_id bigint, seller_org_id text, buyer_ref text)
      ),
      sold as (
        update items set state = 'sold', seller_org_id = r.seller_org_id, updated_at = ${now.toISOString()}
        from r where items.id = r.item_id)
      insert into receipts (id, code_hash, item_id, sale_event_id, seller_org_id, buyer_ref, created_at)
      select r.id, r.code_hash, r.item_id, r.sale_event_id, r.seller_org_id, r.buyer_ref, ${now.toISOString()} from r`);
  }
  return issued.map((codes) =>
    codes.map(({ item, code }) => ({
      item: item.key,
      receiptCode: code,
      url: `${ctx.baseUrl}${item.key}?receipt=${code}`,
    })),
  );
}

/** A return ends the sale: its receipts no longer confirm, review or complain. */
export async function closeReceipts(tx: Db, items: { id: number }[], now: Date): Promise<void> {
  if (items.length === 0) return;
  await tx
    .update(receipts)
    .set({ closedAt: now })
    .where(
      and(
        isNull(receipts.closedAt),
        sql`${receipts.itemId} in (select (jsonb_array_elements_text(${JSON.stringify(items.map((i) => i.id))}::jsonb))::bigint)`,
      ),
    );
}

/** The open receipt of an item that matches `code`, or null (a wrong code or another item's code). */
export async function findReceipt(
  db: Db,
  hashSecret: string,
  itemId: number,
  code: string,
): Promise<Receipt | null> {
  const [row] = await db
    .select()
    .from(receipts)
    .where(
      and(
        eq(receipts.codeHash, await receiptHash(hashSecret, code)),
        eq(receipts.itemId, itemId),
        isNull(receipts.closedAt),
      ),
    );
  return row ?? null;
}

export async function itemIdOf(db: Db, gtin: string, serial: string): Promise<number | null> {
  const [row] = await db
    .select({ id: itemsTable.id })
    .from(itemsTable)
    .where(and(eq(itemsTable.gtin, gtin), eq(itemsTable.serial, serial)));
  return row?.id ?? null;
}
