// Products end to end: registration by GTIN in any form, licence rules per category, reads and lists.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg } from "../../../test/factories";
import { appendCheckDigit } from "../../codes";
import { products } from "../../db/schema";
import { ProblemSchema } from "../../lib/router";
import { makeGtin13, productBody, tableCounts } from "./fixtures";
import { Product, ProductPage } from "./schemas";

let t: TestApp;
let cast: Cast;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

const register = (json: Record<string, unknown>, key = cast.producer.key) =>
  t.request("POST", "/v1/products", { key, json });

/** A GTIN-13 whose last digit is wrong, and the digit that would be right. */
function badCheckDigit(): { gtin: string; expected: string } {
  const good = makeGtin13();
  const expected = good.slice(-1);
  return { gtin: good.slice(0, -1) + String((Number(expected) + 1) % 10), expected };
}

describe("registering a product", () => {
  it("stores the GTIN as 14 digits and answers with the product and its Digital Link", async () => {
    const gtin13 = makeGtin13();
    const res = await register(productBody({ gtin: gtin13 }));
    expect(res.status).toBe(201);
    const body = Product.parse(await res.json());
    expect(body.gtin).toBe(`0${gtin13}`);
    expect(body.key).toBe(`/01/0${gtin13}`);
    expect(body.uri).toBe(`https://zhuisu.test/01/0${gtin13}`);
    expect(body.ownerOrgId).toBe(cast.producer.org.id);
    expect(body.origin.region?.names).toEqual(["浙江省", "台州市", "临海市"]);
    expect(body.licences).toEqual([{ kind: "food_production_sc", number: "SC10633108200011" }]);
    expect(res.headers.get("location")).toBe(`/v1/products/0${gtin13}`);
  });

  it.each([
    ["GTIN-8", appendCheckDigit("6901234"), 8],
    ["GTIN-12", appendCheckDigit(`0${makeGtin13().slice(2, 12)}`), 12],
    ["GTIN-14", appendCheckDigit(`1${makeGtin13().slice(0, 12)}`), 14],
  ])("accepts a %s and reads it back in any form", async (_form, gtin, length) => {
    expect(gtin).toHaveLength(length);
    const res = await register(productBody({ gtin }));
    expect(res.status).toBe(201);
    const body = Product.parse(await res.json());
    expect(body.gtin).toBe(gtin.padStart(14, "0"));
    for (const form of [gtin, body.gtin]) {
      const read = await t.request("GET", `/v1/products/${form}`);
      expect(read.status).toBe(200);
      expect(Product.parse(await read.json()).gtin).toBe(body.gtin);
    }
  });

  it("normalises licence numbers typed with full-width characters", async () => {
    const res = await register(
      productBody({
        licences: [{ kind: "food_production_sc", number: "ＳＣ１０６３３１０８２０００１１" }],
      }),
    );
    expect(res.status).toBe(201);
    expect(Product.parse(await res.json()).licences[0]?.number).toBe("SC10633108200011");
  });

  it("registers a drug with its approval number and edible produce with no licence", async () => {
    const drug = await register(
      productBody({
        category: "drug",
        licences: [{ kind: "drug_approval", number: "国药准字H20051234" }],
      }),
    );
    expect(drug.status).toBe(201);
    const produce = await register(productBody({ category: "edible_agricultural", licences: [] }));
    expect(produce.status).toBe(201);
  });

  it("refuses a GTIN registered by another organisation, and one already registered by the caller", async () => {
    const gtin = makeGtin13();
    expect((await register(productBody({ gtin }))).status).toBe(201);
    const before = await tableCounts(t.db);
    const other = await makeOrg(t, ["producer"], { nameZh: "另一家生产企业" });
    const theirs = await register(productBody({ gtin }), other.key);
    expect(theirs.status).toBe(409);
    const theirsBody = ProblemSchema.parse(await theirs.json());
    expect(theirsBody.detail).toContain("another organisation");
    expect(theirsBody.ownerOrgId).toBe(cast.producer.org.id);
    // The same GTIN written as GTIN-14 is the same product.
    const mine = await register(productBody({ gtin: `0${gtin}` }));
    expect(mine.status).toBe(409);
    expect(ProblemSchema.parse(await mine.json()).detail).toContain("already registered");
    expect(await tableCounts(t.db)).toEqual(before);
    const [row] = await t.db
      .select()
      .from(products)
      .where(eq(products.gtin, `0${gtin}`));
    expect(row?.ownerOrgId).toBe(cast.producer.org.id);
  });

  it("refuses a GTIN with a bad check digit, saying which digit was expected", async () => {
    const { gtin, expected } = badCheckDigit();
    const before = await tableCounts(t.db);
    const res = await register(productBody({ gtin }));
    expect(res.status).toBe(422);
    const body = ProblemSchema.parse(await res.json());
    expect(body.errors?.map((e) => e.path)).toEqual(["json.gtin"]);
    expect(body.detail).toContain(`expected ${expected}`);
    expect(body.detail).toContain("check digit");
    expect(await tableCounts(t.db)).toEqual(before);
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    [
      "a drug without its approval number",
      { category: "drug", licences: [] },
      "json.licences",
      /drug_approval/,
    ],
    ["a food without its SC licence", { licences: [] }, "json.licences", /food_production_sc/],
    [
      "a health food with only its SC licence",
      { category: "health_food" },
      "json.licences",
      /health_food_registration/,
    ],
    [
      "a malformed SC number",
      { licences: [{ kind: "food_production_sc", number: "SC123" }] },
      "json.licences.0.number",
      /SC/,
    ],
    ["an unknown category", { category: "weapons" }, "json.category", /./],
    ["a region that does not exist", { originRegion: "339999" }, "json.originRegion", /GB\/T 2260/],
    ["an http image", { imageUrl: "http://img.example.cn/a.jpg" }, "json.imageUrl", /./],
    ["a GTIN of 11 digits", { gtin: "69012345678" }, "json.gtin", /8, 12, 13 or 14/],
    ["a GTIN with a letter", { gtin: "690123456789X" }, "json.gtin", /position 13/],
    ["a negative net weight", { netWeightGrams: -5 }, "json.netWeightGrams", /./],
    ["no name", { nameZh: "" }, "json.nameZh", /./],
  ];
  for (const [what, change, path, detail] of bad) {
    it(`refuses ${what}, naming ${path}, writing nothing`, async () => {
      const before = await tableCounts(t.db);
      const res = await register(productBody(change));
      expect(res.status).toBe(422);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      const body = ProblemSchema.parse(await res.json());
      expect(body.errors?.map((e) => e.path)).toContain(path);
      expect(body.errors?.find((e) => e.path === path)?.message).toMatch(detail);
      expect(await tableCounts(t.db)).toEqual(before);
    });
  }

  it("is for verified producers only", async () => {
    const seller = await register(productBody(), cast.seller.key);
    expect(seller.status).toBe(403);
    expect(ProblemSchema.parse(await seller.json()).detail).toContain("producer");
    const pending = await makeOrg(t, ["producer"], { status: "pending" });
    expect((await register(productBody(), pending.key)).status).toBe(403);
    expect((await t.request("POST", "/v1/products", { json: productBody() })).status).toBe(401);
  });
});

describe("reading products", () => {
  it("is 404 for a GTIN nobody registered and 400 for one that cannot exist", async () => {
    const unknown = await t.request("GET", `/v1/products/${makeGtin13()}`);
    expect(unknown.status).toBe(404);
    const { gtin, expected } = badCheckDigit();
    const malformed = await t.request("GET", `/v1/products/${gtin}`);
    expect(malformed.status).toBe(400);
    const body = ProblemSchema.parse(await malformed.json());
    expect(body.code).toBe("invalid_code");
    expect(body.errors?.[0]?.path).toBe("param.gtin");
    expect(body.codeError).toMatchObject({ code: "bad_check_digit", expected });
  });

  it("lists by owner and category, a page at a time", async () => {
    const owner = await makeOrg(t, ["producer"], { nameZh: "列表测试企业" });
    for (const category of ["food", "food", "edible_agricultural"]) {
      const change = category === "food" ? {} : { category, licences: [] };
      const res = await register(productBody(change), owner.key);
      expect(res.status).toBe(201);
      t.clock.advance(1000);
    }
    const all = ProductPage.parse(
      await (await t.request("GET", `/v1/products?owner=${owner.org.id}`)).json(),
    );
    expect(all.items).toHaveLength(3);
    expect(all.next).toBeNull();
    const food = ProductPage.parse(
      await (await t.request("GET", `/v1/products?owner=${owner.org.id}&category=food`)).json(),
    );
    expect(food.items.map((p) => p.category)).toEqual(["food", "food"]);
    const first = ProductPage.parse(
      await (await t.request("GET", `/v1/products?owner=${owner.org.id}&limit=2`)).json(),
    );
    expect(first.items).toHaveLength(2);
    const second = ProductPage.parse(
      await (
        await t.request("GET", `/v1/products?owner=${owner.org.id}&limit=2&cursor=${first.next}`)
      ).json(),
    );
    expect(second.items).toHaveLength(1);
    expect(second.next).toBeNull();
    expect(new Set([...first.items, ...second.items].map((p) => p.gtin)).size).toBe(3);
    const badCategory = await t.request("GET", "/v1/products?category=weapons");
    expect(badCategory.status).toBe(422);
  });
});
