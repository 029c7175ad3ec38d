// Seeds products, lots and commissioned items straight into the tables, with their commissioning event.

import { appendCheckDigit } from "../src/codes";
import { itemKey, lotKey } from "../src/codes/keys";
import { type Category, items as itemsTable, lots, products } from "../src/db/schema";
import { recordCommissioning } from "../src/features/events/commission";
import { randomString } from "../src/lib/random";
import type { TestApp } from "./app";
import type { OrgWithKey } from "./factories";

export function makeGtin(): string {
  return appendCheckDigit(`0690${randomString(9, "0123456789")}`);
}

export interface SeededLot {
  gtin: string;
  lot: string;
  lotId: string;
  lotKey: string;
  items: { id: number; serial: string; key: string }[];
}

export async function seedLot(
  t: TestApp,
  producer: OrgWithKey,
  options: {
    count?: number;
    category?: Category;
    netWeightGrams?: number;
    nameZh?: string;
    gtin?: string;
  } = {},
): Promise<SeededLot> {
  const gtin = options.gtin ?? makeGtin();
  const lot = `L${randomString(6, "0123456789ABCDEF")}`;
  const now = t.clock.now();
  return t.db.transaction(async (tx) => {
    if (!options.gtin) {
      await tx.insert(products).values({
        gtin,
        ownerOrgId: producer.org.id,
        nameZh: options.nameZh ?? "黄岩蜜橘",
        category: options.category ?? "edible_agricultural",
        netWeightGrams: options.netWeightGrams ?? 2500,
        originRegion: "331003",
        createdAt: now,
      });
    }
    const lotId = `lot_${randomString(12, "abcdefghijkmnpqrstuvwxyz23456789")}`;
    await tx.insert(lots).values({
      id: lotId,
      gtin,
      lot,
      productionDate: "2026-05-20",
      expiryDate: "2026-08-20",
      quantity: 1000,
      createdAt: now,
    });
    const serials = Array.from({ length: options.count ?? 5 }, () =>
      randomString(12, "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"),
    );
    const rows = serials.length
      ? await tx
          .insert(itemsTable)
          .values(
            serials.map((serial) => ({
              gtin,
              serial,
              lotId,
              state: "commissioned" as const,
              custodianOrgId: producer.org.id,
              commissionedAt: now,
              updatedAt: now,
            })),
          )
          .returning({ id: itemsTable.id, serial: itemsTable.serial })
      : [];
    await recordCommissioning(tx, now, {
      gtin,
      lot,
      serials,
      actorOrgId: producer.org.id,
      eventTime: now,
    });
    return {
      gtin,
      lot,
      lotId,
      lotKey: lotKey(gtin, lot),
      items: rows.map((r) => ({ id: r.id, serial: r.serial, key: itemKey(gtin, r.serial) })),
    };
  });
}

/** The seller lists a product (by GTIN) in its shop, through the API: then it may sell the items. */
export async function listForSale(t: TestApp, sellerKey: string, gtin: string): Promise<void> {
  const res = await t.request("POST", "/v1/events", {
    key: sellerKey,
    json: {
      kind: "listing",
      code: gtin,
      shopName: "橘乡网店",
      listingUrl: "https://shop.example.cn/item/1",
      price: 9.9,
    },
  });
  if (res.status !== 201) throw new Error(`listing answered ${res.status}: ${await res.text()}`);
}

/** A seller's listing of a product, through the API: what lets it sell items it does not hold. */
export async function listProduct(t: TestApp, seller: OrgWithKey, gtin: string): Promise<void> {
  const res = await t.request("POST", "/v1/events", {
    key: seller.key,
    json: {
      kind: "listing",
      code: gtin,
      shopName: "橘乡网店",
      listingUrl: "https://shop.example.cn/item/1",
      price: 39.9,
    },
  });
  if (res.status !== 201) throw new Error(`listing answered ${res.status}: ${await res.text()}`);
}
