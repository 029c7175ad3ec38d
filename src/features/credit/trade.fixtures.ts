// Test helpers of the integrity features: trade through the real lifecycle API, feedback rows inserted directly.
import { and, eq, inArray, isNull } from "drizzle-orm";
import { expect } from "vitest";
import type { TestApp } from "../../../test/app";
import type { OrgWithKey } from "../../../test/factories";
import type { SeededLot } from "../../../test/seed";
import { complaints, type Receipt, receipts, reviews } from "../../db/schema";
import { randomString } from "../../lib/random";

export type Body = Record<string, unknown> & {
  code?: string;
  detail?: string;
  errors?: { path: string; message: string }[];
};

export async function call(
  t: TestApp,
  method: string,
  path: string,
  key?: string,
  json?: unknown,
): Promise<{ status: number; body: Body; contentType: string | null }> {
  const res = await t.request(method, path, { key, json });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Body) : {},
    contentType: res.headers.get("content-type"),
  };
}

export async function listLot(t: TestApp, seller: OrgWithKey, lot: SeededLot) {
  const r = await call(t, "POST", "/v1/events", seller.key, {
    kind: "listing",
    code: lot.gtin,
    shopName: "测试网店",
    listingUrl: "https://shop.example.cn/item/1",
    price: 39.9,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

/** One sale (one order) of `keys` to `buyerRef`. */
export async function sell(t: TestApp, seller: OrgWithKey, keys: string[], buyerRef?: string) {
  const r = await call(t, "POST", "/v1/events", seller.key, {
    kind: "sale",
    items: keys,
    orderNumber: `O-${randomString(10, "0123456789")}`,
    ...(buyerRef ? { buyerRef } : {}),
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { event: { id: number } };
}

export async function dispatch(
  t: TestApp,
  by: OrgWithKey,
  carrier: OrgWithKey,
  keys: string[],
  options: { parcelWeightGrams?: number; destinationRegion?: string } = {},
) {
  return call(t, "POST", "/v1/events", by.key, {
    kind: "dispatch",
    items: keys,
    waybill: `SF${randomString(10, "0123456789")}`,
    carrierOrgId: carrier.org.id,
    parcelWeightGrams: options.parcelWeightGrams ?? 2600 * keys.length,
    destinationRegion: options.destinationRegion ?? "330106",
  });
}

export async function signOff(t: TestApp, carrier: OrgWithKey, keys: string[]) {
  return call(t, "POST", "/v1/events", carrier.key, { kind: "sign_off", items: keys });
}

export async function openReceipts(t: TestApp, itemIds: number[]): Promise<Receipt[]> {
  return t.db
    .select()
    .from(receipts)
    .where(and(inArray(receipts.itemId, itemIds), isNull(receipts.closedAt)));
}

/** Inserts a first review per receipt, as the feedback API would, at `at`. */
export async function insertReviews(
  t: TestApp,
  rows: { receipt: Receipt; gtin: string; rating: number; at: Date }[],
): Promise<string[]> {
  if (rows.length === 0) return [];
  const ids = rows.map(() => `rev_${randomString(12, "abcdefghijkmnpqrstuvwxyz23456789")}`);
  await t.db.insert(reviews).values(
    rows.map((r, i) => ({
      id: ids[i]!,
      receiptId: r.receipt.id,
      kind: "review" as const,
      itemId: r.receipt.itemId,
      gtin: r.gtin,
      sellerOrgId: r.receipt.sellerOrgId,
      rating: r.rating,
      text: r.rating >= 4 ? "很好" : "不满意",
      createdAt: r.at,
    })),
  );
  return ids;
}

/** Inserts a complaint as the feedback API would: with a receipt, or an anonymous report. */
export async function insertComplaint(
  t: TestApp,
  values: {
    sellerOrgId: string | null;
    receiptId?: string;
    commitmentId?: string;
    at?: Date;
    contact?: string;
  },
): Promise<string> {
  const id = `cpl_${randomString(12, "abcdefghijkmnpqrstuvwxyz23456789")}`;
  await t.db.insert(complaints).values({
    id,
    receiptId: values.receiptId ?? null,
    sellerOrgId: values.sellerOrgId,
    category: "quality",
    text: "收到的商品与描述不符",
    contact: values.contact ?? null,
    commitmentId: values.commitmentId ?? null,
    createdAt: values.at ?? t.clock.now(),
  });
  return id;
}

export async function complaintRow(t: TestApp, id: string) {
  const [row] = await t.db.select().from(complaints).where(eq(complaints.id, id));
  return row!;
}
