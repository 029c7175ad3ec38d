// A demo-like item with its whole story (product details, inspection report, listing, sale, dispatch, delivery), for page tests.
import { eq } from "drizzle-orm";
import { documents, inspections, lots, products } from "../../src/db/schema";
import { sha256Hex } from "../../src/lib/crypto";
import { randomString } from "../../src/lib/random";
import type { TestApp } from "../app";
import type { Cast } from "../factories";
import { type SeededLot, seedLot } from "../seed";

export type Stage = "commissioned" | "listed" | "sold" | "dispatched" | "delivered";

export interface Story {
  lot: SeededLot;
  /** The first item's key, /01/{gtin}/21/{serial}. */
  item: string;
  /** The receipt code of the first item's sale, once sold. */
  receiptCode: string | null;
  inspectionId: string;
}

const ORDER: Stage[] = ["commissioned", "listed", "sold", "dispatched", "delivered"];

async function post(t: TestApp, key: string, json: unknown): Promise<Record<string, unknown>> {
  const res = await t.request("POST", "/v1/events", { key, json });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`seeding failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export async function seedStory(
  t: TestApp,
  cast: Cast,
  options: { until?: Stage; nameZh?: string; count?: number; shopName?: string } = {},
): Promise<Story> {
  const until = ORDER.indexOf(options.until ?? "delivered");
  const lot = await seedLot(t, cast.producer, {
    count: options.count ?? 2,
    nameZh: options.nameZh ?? "黄岩蜜橘",
    category: "edible_agricultural",
  });
  await t.db
    .update(products)
    .set({
      nameEn: "Huangyan mandarin",
      specification: "2.5 kg / 箱",
      licences: [{ kind: "food_production_sc", number: "SC10633100200017" }],
      imageUrl: "https://img.example.cn/mandarin.jpg",
      originPlace: "台州市黄岩区北城街道橘园",
    })
    .where(eq(products.gtin, lot.gtin));
  await t.db
    .update(lots)
    .set({ originRegion: "331003", originPlace: "黄岩区北城街道 3 号橘园" })
    .where(eq(lots.id, lot.lotId));
  const pdf = new TextEncoder().encode(`%PDF-1.4 report ${randomString(8)}`);
  const sha = await sha256Hex(pdf);
  await t.db.insert(documents).values({
    sha256: sha,
    contentType: "application/pdf",
    size: pdf.length,
    data: pdf,
    createdAt: t.clock.now(),
  });
  const inspectionId = `ins_${randomString(12, "abcdefghijkmnpqrstuvwxyz23456789")}`;
  await t.db.insert(inspections).values({
    id: inspectionId,
    lotId: lot.lotId,
    gtin: lot.gtin,
    lot: lot.lot,
    inspectorOrgId: cast.inspector.org.id,
    reportNumber: `TZ-2026-${randomString(5, "0123456789")}`,
    issueDate: "2026-05-25",
    conclusion: "pass",
    pdfSha256: sha,
    createdAt: t.clock.now(),
  });
  const item = lot.items[0]!.key;
  let receiptCode: string | null = null;
  if (until >= 1) {
    await post(t, cast.seller.key, {
      kind: "listing",
      code: lot.gtin,
      shopName: options.shopName ?? "橘乡网店",
      listingUrl: "https://shop.example.cn/item/1",
      price: 39.9,
    });
  }
  if (until >= 2) {
    t.clock.advance(60_000);
    const sale = await post(t, cast.seller.key, {
      kind: "sale",
      items: [item],
      orderNumber: `O-${randomString(8)}`,
      buyerRef: "buyer-1",
    });
    receiptCode = (sale.receipts as { receiptCode: string }[])[0]!.receiptCode;
  }
  if (until >= 3) {
    t.clock.advance(60_000);
    await post(t, cast.producer.key, {
      kind: "dispatch",
      items: [item],
      waybill: `SF${randomString(10, "0123456789")}`,
      carrierOrgId: cast.logistics.org.id,
      parcelWeightGrams: 2600,
      destinationRegion: "330106",
    });
  }
  if (until >= 4) {
    t.clock.advance(60_000);
    await post(t, cast.logistics.key, { kind: "sign_off", items: [item] });
  }
  return { lot, item, receiptCode, inspectionId };
}

/** A client of its own: a distinct IP (and so fingerprint) for the rate limits and lockouts. */
export function client(n: number): Record<string, string> {
  return {
    "X-Forwarded-For": `10.${(n >> 8) & 255}.${n & 255}.7`,
    "User-Agent": `test-phone/${n}`,
  };
}
