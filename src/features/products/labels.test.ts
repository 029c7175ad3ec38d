// Label routes over HTTP: PNGs decode back to the Digital Link or element string; lot sheets for their owner.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg } from "../../../test/factories";
import { decodeBarcode, elementStringAsScanned } from "../../../test/helpers/decode-barcode";
import { appendCheckDigit } from "../../codes";
import type { Lot as LotRow, Product as ProductRow } from "../../db/schema";
import { ProblemSchema } from "../../lib/router";
import { seedLot, seedProduct, toGtin14 } from "./fixtures";

let t: TestApp;
let cast: Cast;
let product: ProductRow;
let lot: LotRow;
const SERIALS = ["SN0001", "SN0002", "SN0003", "SN0004", "SN0005"];
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
  product = await seedProduct(t.db, t.clock, cast.producer.org, { nameZh: "<b>蜜橘</b>" });
  lot = await seedLot(t.db, t.clock, product, cast.producer.org, {
    lot: "B2026",
    expiryDate: "2026-12-31",
  });
  const res = await t.request("POST", `/v1/products/${product.gtin}/lots/B2026/items`, {
    key: cast.producer.key,
    json: { serials: SERIALS },
  });
  expect(res.status).toBe(201);
});
afterAll(() => t.close());

const label = (code: string, symbology: string, format = "png") =>
  t.request(
    "GET",
    `/v1/labels?code=${encodeURIComponent(code)}&symbology=${symbology}&format=${format}`,
  );

async function decoded(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("image/png");
  return decodeBarcode(new Uint8Array(await res.arrayBuffer()));
}

describe("single labels", () => {
  it("QR of an item holds its Digital Link on the public base URL, with lot and expiry", async () => {
    const res = await label(`(01)${product.gtin}(21)SN0001`, "qr");
    expect(await decoded(res)).toEqual({
      format: "qr",
      text: `https://zhuisu.test/01/${product.gtin}/10/B2026/21/SN0001?17=261231`,
    });
  });

  it("QR with compress=true holds the compressed Digital Link, which the resolver answers for the item", async () => {
    const res = await t.request(
      "GET",
      `/v1/labels?code=${encodeURIComponent(`(01)${product.gtin}(21)SN0001`)}&symbology=qr&format=png&compress=true`,
    );
    const { text } = await decoded(res);
    expect(text).toMatch(/^https:\/\/zhuisu\.test\/[A-Za-z0-9_-]+$/);
    expect(text.length).toBeLessThan(
      `https://zhuisu.test/01/${product.gtin}/10/B2026/21/SN0001?17=261231`.length,
    );
    const scan = await t.request("GET", new URL(text).pathname, {
      headers: { Accept: "application/json" },
    });
    expect(scan.status).toBe(200);
    expect(((await scan.json()) as { key: string }).key).toBe(`/01/${product.gtin}/21/SN0001`);
    expect(scan.headers.get("link")).toContain(
      `<https://zhuisu.test/01/${product.gtin}/10/B2026/21/SN0001?17=261231>; rel="owl:sameAs"`,
    );
    const refused = await t.request(
      "GET",
      `/v1/labels?code=${encodeURIComponent(`(01)${product.gtin}(21)SN0001`)}&symbology=datamatrix&compress=true`,
    );
    expect(refused.status).toBe(422);
  });

  it("GS1 DataMatrix of an item holds (01)(17)(10)(21), whatever form the code was asked in", async () => {
    const res = await label(`https://elsewhere.example/01/${product.gtin}/21/SN0002`, "datamatrix");
    const scanned = elementStringAsScanned(
      `(01)${product.gtin}(17)261231(10)B2026(21)SN0002`,
      "]d2",
    );
    expect(await decoded(res)).toEqual({ format: "datamatrix", text: scanned });
  });

  it("GS1-128 of a lot holds (01)(17)(10)", async () => {
    const res = await label(`(01)${product.gtin}(10)B2026`, "gs1-128");
    const scanned = elementStringAsScanned(`(01)${product.gtin}(17)261231(10)B2026`, "]C1");
    expect(await decoded(res)).toEqual({ format: "gs1-128", text: scanned });
  });

  it("EAN-13 of a product holds its GTIN-13, and QR its Digital Link", async () => {
    const gtin13 = product.gtin.slice(1);
    expect(await decoded(await label(gtin13, "ean13"))).toEqual({ format: "ean13", text: gtin13 });
    expect((await decoded(await label(gtin13, "qr"))).text).toBe(
      `https://zhuisu.test/01/${product.gtin}`,
    );
  });

  it("draws SVG by default", async () => {
    const res = await t.request(
      "GET",
      `/v1/labels?code=${encodeURIComponent(`(01)${product.gtin}(21)SN0003`)}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/svg+xml");
    const svg = await res.text();
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain(`(01)${product.gtin}`);
  });

  it("refuses EAN-13 for a lot or an item", async () => {
    const res = await label(`(01)${product.gtin}(21)SN0001`, "ean13");
    expect(res.status).toBe(422);
    expect(ProblemSchema.parse(await res.json()).errors?.[0]?.path).toBe("query.symbology");
  });

  it("refuses EAN-13 for a GTIN-14 with an indicator digit", async () => {
    const gtin14 = appendCheckDigit(`1${product.gtin.slice(1, 13)}`);
    await seedProduct(t.db, t.clock, cast.producer.org, { gtin: toGtin14(gtin14) });
    const res = await label(gtin14, "ean13");
    expect(res.status).toBe(422);
    expect(ProblemSchema.parse(await res.json()).detail).toContain("indicator digit 1");
  });

  it("is 404 for codes that are not registered and 400 for malformed ones", async () => {
    expect((await label(`(01)${product.gtin}(21)NOT-MADE`, "qr")).status).toBe(404);
    expect((await label(`(01)${product.gtin}(10)NOLOT`, "qr")).status).toBe(404);
    expect((await label("06901234567892", "qr")).status).toBe(404);
    expect((await label("81234567890123456789", "qr")).status).toBe(404);
    const malformed = await label("06901234567893", "qr");
    expect(malformed.status).toBe(400);
    expect(ProblemSchema.parse(await malformed.json()).code).toBe("invalid_code");
    expect((await label(product.gtin, "pdf417")).status).toBe(422);
  });
});

describe("lot label sheets", () => {
  const sheet = (query: string, key?: string) =>
    t.request("GET", `/v1/products/${product.gtin}/lots/B2026/labels${query}`, { key });

  it("streams one label per item to the owner, escaping the product name", async () => {
    const res = await sheet("?perRow=4&widthMm=45&heightMm=30", cast.producer.key);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/class="label"/g)).toHaveLength(SERIALS.length);
    expect(html).toContain(`(01)${product.gtin}(17)261231(10)B2026(21)SN0001`);
    expect(html).toContain(`有效期至 ${lot.expiryDate}`);
    expect(html).toContain("&lt;b&gt;蜜橘&lt;/b&gt;");
    expect(html).not.toContain("<b>蜜橘");
    expect(html).toContain("grid-template-columns: repeat(4, 45mm)");
  });

  it("prints a range of the lot as DataMatrix", async () => {
    const res = await sheet("?symbology=datamatrix&offset=1&limit=2", cast.producer.key);
    const html = await res.text();
    expect(html.match(/class="label"/g)).toHaveLength(2);
    expect(html).toContain("(21)SN0002");
    expect(html).toContain("(21)SN0003");
    expect(html).not.toContain("(21)SN0001");
  });

  it("refuses a layout that does not fit A4 with 422 before streaming", async () => {
    const res = await sheet("?perRow=4&widthMm=60", cast.producer.key);
    expect(res.status).toBe(422);
    expect(ProblemSchema.parse(await res.json()).detail).toContain("A4");
  });

  it("is for the product's owner only", async () => {
    const other = await makeOrg(t, ["producer"]);
    expect((await sheet("", other.key)).status).toBe(403);
    expect((await sheet("", cast.regulator.key)).status).toBe(403);
    expect((await sheet("")).status).toBe(401);
    const missing = await t.request("GET", `/v1/products/${product.gtin}/lots/NOPE/labels`, {
      key: cast.producer.key,
    });
    expect(missing.status).toBe(404);
  });
});
