// Lots end to end: AI (10) rules, dates, origin, master data and the 承诺达标合格证, owner-only writes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg } from "../../../test/factories";
import type { Product as ProductRow } from "../../db/schema";
import { ProblemSchema } from "../../lib/router";
import { seedProduct, tableCounts } from "./fixtures";
import { Lot } from "./schemas";

let t: TestApp;
let cast: Cast;
let product: ProductRow;
let produce: ProductRow;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
  product = await seedProduct(t.db, t.clock, cast.producer.org, { shelfLifeDays: 30 });
  produce = await seedProduct(t.db, t.clock, cast.producer.org, {
    category: "edible_agricultural",
    licences: [],
    shelfLifeDays: 20,
    originPlace: "涌泉镇梅岙村",
  });
});
afterAll(() => t.close());

let lotCounter = 0;
const lotBody = (over: Record<string, unknown> = {}) => ({
  lot: `2026060${++lotCounter}A`,
  productionDate: "2026-06-01",
  quantity: 2000,
  ...over,
});
const addLot = (gtin: string, json: Record<string, unknown>, key = cast.producer.key) =>
  t.request("POST", `/v1/products/${gtin}/lots`, { key, json });

const certificate = {
  productName: "涌泉蜜橘",
  quantityOrWeight: "500 kg",
  producerName: "临海市涌泉蜜橘合作社",
  origin: "浙江省台州市临海市涌泉镇",
  contact: "0576-85000000",
  issueDate: "2026-06-01",
  commitments: ["no_banned_pesticides_or_vet_drugs", "residues_within_limits"],
  basis: "self_test",
};

describe("registering a lot", () => {
  it("defaults the expiry to production + shelf life and the origin to the product's", async () => {
    const res = await addLot(product.gtin, lotBody({ lot: "LOT-2026_A" }));
    expect(res.status).toBe(201);
    const body = Lot.parse(await res.json());
    expect(body).toMatchObject({
      gtin: product.gtin,
      lot: "LOT-2026_A",
      key: `/01/${product.gtin}/10/LOT-2026_A`,
      productionDate: "2026-06-01",
      expiryDate: "2026-07-01",
      quantity: 2000,
      itemCount: 0,
    });
    expect(body.uri).toBe(`https://zhuisu.test/01/${product.gtin}/10/LOT-2026_A?17=260701`);
    expect(body.origin.region?.code).toBe("331082");
    const read = await t.request("GET", `/v1/products/${product.gtin.slice(1)}/lots/LOT-2026_A`);
    expect(read.status).toBe(200);
    expect(Lot.parse(await read.json())).toEqual(body);
  });

  it("keeps an explicit expiry, origin with coordinates and master data", async () => {
    const res = await addLot(
      product.gtin,
      lotBody({
        expiryDate: "2026-06-01",
        origin: { region: "331002", place: "椒江区 2 号冷库", latitude: 28.68, longitude: 121.44 },
        masterData: { ingredients: [{ gtin: "06901234567892", lot: "B7" }], farm: "梅岙村" },
      }),
    );
    expect(res.status).toBe(201);
    const body = Lot.parse(await res.json());
    expect(body.expiryDate).toBe("2026-06-01");
    expect(body.origin).toMatchObject({ place: "椒江区 2 号冷库", latitude: 28.68 });
    expect(body.origin.region?.names).toEqual(["浙江省", "台州市", "椒江区"]);
    expect(body.masterData).toEqual({
      ingredients: [{ gtin: "06901234567892", lot: "B7" }],
      farm: "梅岙村",
    });
  });

  it("checks the 承诺达标合格证 of edible farm produce", async () => {
    const ok = await addLot(
      produce.gtin,
      lotBody({ masterData: { certificate, orchard: "3 号" } }),
    );
    expect(ok.status).toBe(201);
    const body = Lot.parse(await ok.json());
    expect(body.masterData.certificate).toEqual(certificate);
    expect(body.expiryDate).toBe("2026-06-21");
    expect(body.origin.place).toBe("涌泉镇梅岙村");

    const before = await tableCounts(t.db);
    const bad = await addLot(
      produce.gtin,
      lotBody({
        masterData: {
          certificate: { ...certificate, basis: "hearsay", issueDate: "2026-13-01", contact: "" },
        },
      }),
    );
    expect(bad.status).toBe(422);
    const problem = ProblemSchema.parse(await bad.json());
    expect(problem.errors?.map((e) => e.path).sort()).toEqual([
      "json.masterData.certificate.basis",
      "json.masterData.certificate.contact",
      "json.masterData.certificate.issueDate",
    ]);
    const missing = await addLot(
      produce.gtin,
      lotBody({ masterData: { certificate: { productName: "橘" } } }),
    );
    expect(missing.status).toBe(422);
    expect(ProblemSchema.parse(await missing.json()).errors?.map((e) => e.path)).toContain(
      "json.masterData.certificate.commitments",
    );
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it("leaves a `certificate` of other categories as free master data", async () => {
    const res = await addLot(product.gtin, lotBody({ masterData: { certificate: "ISO 22000" } }));
    expect(res.status).toBe(201);
  });

  it("refuses a lot of someone else's product, naming the owner", async () => {
    const other = await makeOrg(t, ["producer"], { nameZh: "冒牌果业" });
    const before = await tableCounts(t.db);
    const res = await addLot(product.gtin, lotBody(), other.key);
    expect(res.status).toBe(403);
    const body = ProblemSchema.parse(await res.json());
    expect(body.detail).toContain(cast.producer.org.id);
    expect(body.ownerOrgId).toBe(cast.producer.org.id);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it("refuses a duplicate lot with 409", async () => {
    const first = await addLot(product.gtin, lotBody({ lot: "DUP1" }));
    expect(first.status).toBe(201);
    const before = await tableCounts(t.db);
    const again = await addLot(product.gtin, lotBody({ lot: "DUP1", quantity: 5 }));
    expect(again.status).toBe(409);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it("is 404 for a product nobody registered", async () => {
    const res = await addLot("06901234567892", lotBody());
    expect(res.status).toBe(404);
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ["a lot with a forbidden character", { lot: "A/1" }, "json.lot", /GB\/T 33993.*position 2/],
    ["a lot with a % sign", { lot: "50%" }, "json.lot", /forbidden/],
    ["a lot of 21 characters", { lot: "L".repeat(21) }, "json.lot", /too long/],
    ["a lot with a space", { lot: "L 1" }, "json.lot", /bad character/],
    ["an empty lot", { lot: "" }, "json.lot", /too short/],
    [
      "an expiry before the production date",
      { productionDate: "2026-06-10", expiryDate: "2026-06-09" },
      "json.expiryDate",
      /before the production date/,
    ],
    ["an impossible date", { productionDate: "2026-02-30" }, "json.productionDate", /./],
    ["a region that does not exist", { origin: { region: "999999" } }, "json.origin.region", /./],
    [
      "a latitude of 91",
      { origin: { region: "331082", latitude: 91 } },
      "json.origin.latitude",
      /./,
    ],
    [
      "17 KB of master data",
      { masterData: { notes: "x".repeat(17_000) } },
      "json.masterData",
      /16384/,
    ],
    ["master data that is a list", { masterData: [1, 2] }, "json.masterData", /./],
  ];
  for (const [what, change, path, message] of bad) {
    it(`refuses ${what}, naming ${path}, writing nothing`, async () => {
      const before = await tableCounts(t.db);
      const res = await addLot(product.gtin, lotBody(change));
      expect(res.status).toBe(422);
      const body = ProblemSchema.parse(await res.json());
      expect(body.errors?.map((e) => e.path)).toContain(path);
      expect(body.errors?.find((e) => e.path === path)?.message).toMatch(message);
      expect(await tableCounts(t.db)).toEqual(before);
    });
  }
});

describe("reading a lot", () => {
  it("is 404 for an unknown lot and 400 for a lot that cannot exist", async () => {
    expect((await t.request("GET", `/v1/products/${product.gtin}/lots/NOPE`)).status).toBe(404);
    const malformed = await t.request("GET", `/v1/products/${product.gtin}/lots/${"L".repeat(21)}`);
    expect(malformed.status).toBe(400);
    const body = ProblemSchema.parse(await malformed.json());
    expect(body.errors?.[0]?.path).toBe("param.lot");
  });
});
