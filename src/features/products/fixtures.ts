// Test and demo helpers: fresh GTINs under GS1 China's prefix, products and lots seeded through the services.

import { sql } from "drizzle-orm";
import { appendCheckDigit, type Gtin14, parseGtin } from "../../codes";
import { items, type Lot, lots, type Org, type Product, products } from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { randomString } from "../../lib/random";
import type { CreateLotInput, RegisterProductInput } from "./schemas";
import { createLot, registerProduct } from "./service";

/** A random, valid GTIN-13 under a GS1 China prefix (690-699). */
export function makeGtin13(): string {
  return appendCheckDigit(`69${randomString(10, "0123456789")}`);
}

export function toGtin14(gtin: string): Gtin14 {
  const parsed = parseGtin(gtin);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

export async function seedProduct(
  db: Db,
  clock: Clock,
  owner: Org,
  input: Partial<RegisterProductInput> = {},
): Promise<Product> {
  return registerProduct(
    db,
    clock,
    {
      gtin: toGtin14(makeGtin13()),
      nameZh: "涌泉蜜橘",
      category: "food",
      specification: "5 kg/箱",
      licences: [{ kind: "food_production_sc", number: "SC10633108200011" }],
      shelfLifeDays: 30,
      originRegion: "331082",
      ...input,
    },
    owner,
  );
}

export async function seedLot(
  db: Db,
  clock: Clock,
  product: Product,
  owner: Org,
  input: Partial<CreateLotInput> = {},
): Promise<Lot> {
  return createLot(
    db,
    clock,
    product,
    {
      lot: `L${randomString(8, "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")}`,
      productionDate: "2026-06-01",
      masterData: {},
      ...input,
    },
    owner,
  );
}

/** A valid POST /v1/products body for a prepackaged food; override what a test is about. */
export function productBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    gtin: makeGtin13(),
    nameZh: "涌泉蜜橘",
    nameEn: "Yongquan mandarin",
    category: "food",
    specification: "5 kg/箱",
    netWeightGrams: 5000,
    licences: [{ kind: "food_production_sc", number: "SC10633108200011" }],
    shelfLifeDays: 30,
    imageUrl: "https://img.example.cn/mandarin.jpg",
    originRegion: "331082",
    originPlace: "涌泉镇梅岙村",
    ...over,
  };
}

/** Rows in the product tables, to show that a refused request wrote nothing. */
export async function tableCounts(db: Db) {
  const [row] = await db
    .select({
      products: sql<number>`(select count(*) from ${products})::int`,
      lots: sql<number>`(select count(*) from ${lots})::int`,
      items: sql<number>`(select count(*) from ${items})::int`,
    })
    .from(sql`(select 1) as one`);
  return row!;
}
