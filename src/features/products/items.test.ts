// Commissioning end to end: generated and given serials, all-or-nothing, 100,000 at once, exports, item reads.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg } from "../../../test/factories";
import { validateAiValue } from "../../codes";
import { items, type Lot as LotRow, lots, type Product as ProductRow } from "../../db/schema";
import { ProblemSchema } from "../../lib/router";
import { seedLot, seedProduct, tableCounts } from "./fixtures";
import { Commissioned, ItemDetail, ItemPage } from "./item-schemas";
import { generateSerials, SERIAL_ALPHABET, SERIAL_LENGTH } from "./items";

let t: TestApp;
let cast: Cast;
let product: ProductRow;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
  product = await seedProduct(t.db, t.clock, cast.producer.org);
});
afterAll(() => t.close());

const itemsPath = (lot: LotRow) => `/v1/products/${lot.gtin}/lots/${lot.lot}/items`;
const commission = (lot: LotRow, json: unknown, key = cast.producer.key) =>
  t.request("POST", itemsPath(lot), { key, json });
const newLot = (over: Parameters<typeof seedLot>[4] = {}) =>
  seedLot(t.db, t.clock, product, cast.producer.org, over);
const generated = new RegExp(`^[${SERIAL_ALPHABET}]{${SERIAL_LENGTH}}$`);

describe("generated serials", () => {
  it("draw from 57 AI (21) characters with no forbidden ones or look-alikes: ≥ 64 bits in 12", () => {
    expect(new Set(SERIAL_ALPHABET).size).toBe(57);
    expect(validateAiValue("21", SERIAL_ALPHABET.slice(0, 20))).toBeNull();
    expect(validateAiValue("21", SERIAL_ALPHABET.slice(20, 40))).toBeNull();
    expect(validateAiValue("21", SERIAL_ALPHABET.slice(40))).toBeNull();
    expect(SERIAL_ALPHABET).not.toMatch(/[%&/<>?0O1Il]/);
    expect(SERIAL_LENGTH * Math.log2(SERIAL_ALPHABET.length)).toBeGreaterThanOrEqual(64);
    const serials = generateSerials(10_000);
    expect(new Set(serials).size).toBe(10_000);
    expect(serials.every((s) => generated.test(s))).toBe(true);
  });
});

describe("commissioning", () => {
  it("generates unguessable serials and lists the new items with their codes", async () => {
    const lot = await newLot({ expiryDate: "2027-05-31" });
    const res = await commission(lot, { count: 25 });
    expect(res.status).toBe(201);
    const body = Commissioned.parse(await res.json());
    expect(body.count).toBe(25);
    expect(body.lot.itemCount).toBe(25);
    expect(body.items).toHaveLength(25);
    for (const item of body.items ?? []) {
      expect(item.serial).toMatch(generated);
      expect(item.key).toBe(`/01/${product.gtin}/21/${item.serial}`);
      expect(item.uri).toBe(
        `https://zhuisu.test/01/${product.gtin}/10/${lot.lot}/21/${item.serial}?17=270531`,
      );
    }
    expect(new Set(body.items?.map((i) => i.serial)).size).toBe(25);
    expect(body.download.csv).toBe(`https://zhuisu.test${itemsPath(lot)}?format=csv`);
    const rows = await t.db.select().from(items).where(eq(items.lotId, lot.id));
    expect(rows).toHaveLength(25);
    expect(rows.every((r) => r.state === "commissioned")).toBe(true);
    expect(rows.every((r) => r.custodianOrgId === cast.producer.org.id)).toBe(true);
  });

  it("commissions the producer's own serials", async () => {
    const lot = await newLot();
    const serials = ["SN0001", "SN0002", "A-b_c.9!*", "x".repeat(20)];
    const res = await commission(lot, { serials });
    expect(res.status).toBe(201);
    const body = Commissioned.parse(await res.json());
    expect(body.items?.map((i) => i.serial).sort()).toEqual([...serials].sort());
    expect(body.items?.find((i) => i.serial === "A-b_c.9!*")?.key).toBe(
      `/01/${product.gtin}/21/A-b_c.9%21%2A`,
    );
  });

  it("refuses a serial already commissioned for the GTIN, writing none of the batch", async () => {
    const first = await newLot();
    expect((await commission(first, { serials: ["TAKEN-1"] })).status).toBe(201);
    const second = await newLot();
    const before = await tableCounts(t.db);
    const res = await commission(second, { serials: ["FREE-1", "FREE-2", "TAKEN-1"] });
    expect(res.status).toBe(409);
    const body = ProblemSchema.parse(await res.json());
    expect(body.detail).toContain("TAKEN-1");
    expect(body.errors?.map((e) => e.path)).toEqual(["json.serials.2"]);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it("lets the database refuse a second row with the same GTIN and serial", async () => {
    const lot = await newLot();
    const row = {
      gtin: product.gtin,
      serial: "UNIQUE-1",
      lotId: lot.id,
      state: "commissioned" as const,
      commissionedAt: t.clock.now(),
      updatedAt: t.clock.now(),
    };
    await t.db.insert(items).values(row);
    await expect(t.db.insert(items).values(row)).rejects.toThrow();
  });

  it("refuses to commission into someone else's lot, naming the owner", async () => {
    const lot = await newLot();
    const other = await makeOrg(t, ["producer"], { nameZh: "仿冒者" });
    const before = await tableCounts(t.db);
    const res = await commission(lot, { count: 5 }, other.key);
    expect(res.status).toBe(403);
    const body = ProblemSchema.parse(await res.json());
    expect(body.detail).toContain(cast.producer.org.id);
    expect(await tableCounts(t.db)).toEqual(before);
    expect((await commission(lot, { count: 5 }, cast.seller.key)).status).toBe(403);
    expect((await commission(lot, { count: 5 }, "")).status).toBe(401);
  });

  it("refuses to commission into a recalled lot", async () => {
    const lot = await newLot();
    await t.db.update(lots).set({ recalled: true }).where(eq(lots.id, lot.id));
    const res = await commission(lot, { count: 1 });
    expect(res.status).toBe(409);
    expect(ProblemSchema.parse(await res.json()).detail).toContain("recalled");
  });

  it("is 404 for a lot that is not registered", async () => {
    const res = await t.request("POST", `/v1/products/${product.gtin}/lots/NOSUCHLOT/items`, {
      key: cast.producer.key,
      json: { count: 1 },
    });
    expect(res.status).toBe(404);
  });

  const bad: [string, unknown, string, RegExp][] = [
    ["0 items", { count: 0 }, "json.count", /./],
    ["10 million items", { count: 10_000_000 }, "json.count", /100000/],
    ["1.5 items", { count: 1.5 }, "json.count", /./],
    [
      "a serial of 21 characters",
      { serials: ["OK1", "S".repeat(21)] },
      "json.serials.1",
      /too long/,
    ],
    ["a serial with a forbidden character", { serials: ["A<B"] }, "json.serials.0", /GB\/T 33993/],
    [
      "a serial with a Chinese character",
      { serials: ["批次1"] },
      "json.serials.0",
      /bad character/,
    ],
    ["a serial given twice", { serials: ["D1", "D2", "D1"] }, "json.serials.2", /repeated/],
    ["no count and no serials", {}, "json", /either/],
    ["both a count and serials", { count: 1, serials: ["B1"] }, "json", /either/],
  ];
  for (const [what, json, path, message] of bad) {
    it(`refuses ${what}, naming ${path}, writing nothing`, async () => {
      const lot = await newLot();
      const before = await tableCounts(t.db);
      const res = await commission(lot, json);
      expect(res.status).toBe(422);
      const body = ProblemSchema.parse(await res.json());
      expect(body.errors?.map((e) => e.path)).toContain(path);
      expect(body.errors?.find((e) => e.path === path)?.message).toMatch(message);
      expect(await tableCounts(t.db)).toEqual(before);
    });
  }

  it("commissions 100,000 items in one request, unique and well-formed", async () => {
    const lot = await newLot();
    const started = performance.now();
    const res = await commission(lot, { count: 100_000 });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(201);
    const body = Commissioned.parse(await res.json());
    expect(body.count).toBe(100_000);
    expect(body.items).toBeUndefined();
    expect(body.lot.itemCount).toBe(100_000);
    const rows = await t.db
      .select({ serial: items.serial })
      .from(items)
      .where(and(eq(items.lotId, lot.id), eq(items.gtin, product.gtin)));
    expect(rows).toHaveLength(100_000);
    expect(new Set(rows.map((r) => r.serial)).size).toBe(100_000);
    expect(rows.every((r) => generated.test(r.serial))).toBe(true);
    console.info(`commissioned 100,000 items on ${t.handle.kind} in ${Math.round(elapsed)} ms`);

    // The whole lot comes back as CSV, and as JSON pages.
    const csv = await t.request("GET", `${itemsPath(lot)}?format=csv`, { key: cast.producer.key });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("serial,key,uri");
    expect(lines).toHaveLength(100_001);
    const [serial, key, uri] = lines[1]!.split(",");
    expect(key).toBe(`/01/${product.gtin}/21/${serial}`);
    expect(uri).toBe(`https://zhuisu.test/01/${product.gtin}/10/${lot.lot}/21/${serial}?17=260701`);
    expect(new Set(lines.slice(1).map((l) => l.split(",")[0])).size).toBe(100_000);
    // About 20 s on a quiet machine; CI's two cores are shared with everything else.
  }, 240_000);
});

describe("reading items", () => {
  it("pages a lot's items for its owner and a regulator only", async () => {
    const lot = await newLot();
    await commission(lot, { count: 5 });
    const first = await t.request("GET", `${itemsPath(lot)}?limit=3`, { key: cast.producer.key });
    expect(first.status).toBe(200);
    const page1 = ItemPage.parse(await first.json());
    expect(page1.items).toHaveLength(3);
    const page2 = ItemPage.parse(
      await (
        await t.request("GET", `${itemsPath(lot)}?limit=3&cursor=${page1.next}`, {
          key: cast.regulator.key,
        })
      ).json(),
    );
    expect(page2.items).toHaveLength(2);
    expect(page2.next).toBeNull();
    expect(new Set([...page1.items, ...page2.items].map((i) => i.serial)).size).toBe(5);
    expect(page1.items[0]).toMatchObject({ lot: lot.lot, state: "commissioned", recalled: false });
    const seller = await t.request("GET", itemsPath(lot), { key: cast.seller.key });
    expect(seller.status).toBe(403);
    expect((await t.request("GET", itemsPath(lot))).status).toBe(401);
  });

  it("reads one item with its lot and product, in any GTIN form", async () => {
    const lot = await newLot();
    await commission(lot, { serials: ["READ-ME"] });
    const res = await t.request("GET", `/v1/items/${product.gtin.slice(1)}/READ-ME`);
    expect(res.status).toBe(200);
    const body = ItemDetail.parse(await res.json());
    expect(body.item).toMatchObject({ serial: "READ-ME", lot: lot.lot, state: "commissioned" });
    expect(body.lot.lot).toBe(lot.lot);
    expect(body.lot.itemCount).toBe(1);
    expect(body.product.gtin).toBe(product.gtin);
    await t.db.update(lots).set({ recalled: true }).where(eq(lots.id, lot.id));
    const recalled = ItemDetail.parse(
      await (await t.request("GET", `/v1/items/${product.gtin}/READ-ME`)).json(),
    );
    expect(recalled.item.recalled).toBe(true);
  });

  it("is 404 for a serial never commissioned, 400 for one that cannot exist", async () => {
    const missing = await t.request("GET", `/v1/items/${product.gtin}/NEVER-MADE`);
    expect(missing.status).toBe(404);
    expect(ProblemSchema.parse(await missing.json()).detail).toContain("not registered");
    const tooLong = await t.request("GET", `/v1/items/${product.gtin}/${"S".repeat(21)}`);
    expect(tooLong.status).toBe(400);
    expect(ProblemSchema.parse(await tooLong.json()).errors?.[0]?.path).toBe("param.serial");
  });
});
