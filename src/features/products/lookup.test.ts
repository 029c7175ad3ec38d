// Looking up any scanned form: Digital Link, element strings raw or bracketed, bare GTINs, drug codes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast } from "../../../test/factories";
import { GS } from "../../codes";
import type { Lot as LotRow, Product as ProductRow } from "../../db/schema";
import { ProblemSchema } from "../../lib/router";
import { makeGtin13, seedLot, seedProduct } from "./fixtures";
import { Lookup, ParsedCodeView } from "./item-schemas";

let t: TestApp;
let cast: Cast;
let product: ProductRow;
let lot: LotRow;
const SERIAL = "Kq7ZmW3xRt9a";
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
  product = await seedProduct(t.db, t.clock, cast.producer.org);
  lot = await seedLot(t.db, t.clock, product, cast.producer.org, {
    lot: "B2026",
    expiryDate: "2026-12-31",
  });
  const res = await t.request("POST", `/v1/products/${product.gtin}/lots/B2026/items`, {
    key: cast.producer.key,
    json: { serials: [SERIAL] },
  });
  expect(res.status).toBe(201);
});
afterAll(() => t.close());

const lookup = (code: string) => t.request("GET", `/v1/lookup?code=${encodeURIComponent(code)}`);

describe("lookup of a registered item in every form", () => {
  const gtin13 = () => product.gtin.slice(1);
  const forms: [string, () => string, string, string | null][] = [
    [
      "a Digital Link URI on another domain",
      () => `https://id.example.com/01/${product.gtin}/10/B2026/21/${SERIAL}?17=261231`,
      "digital-link",
      null,
    ],
    ["a Digital Link path", () => `/01/${product.gtin}/21/${SERIAL}`, "dl-path", null],
    [
      "a bracketed element string",
      () => `(01)${product.gtin}(17)261231(10)B2026(21)${SERIAL}`,
      "element-string",
      null,
    ],
    [
      "a raw DataMatrix scan with its symbology prefix and GS",
      () => `]d201${product.gtin}17261231` + `10B2026${GS}21${SERIAL}`,
      "raw-element-string",
      "]d2",
    ],
    [
      "a raw GS1-128 scan with FNC1 as GS",
      () => `]C101${product.gtin}21${SERIAL}`,
      "raw-element-string",
      "]C1",
    ],
  ];
  for (const [what, code, form, symbologyId] of forms) {
    it(`finds the item from ${what}`, async () => {
      const res = await lookup(code());
      expect(res.status).toBe(200);
      const body = Lookup.parse(await res.json());
      expect(body.parsed).toMatchObject({
        level: "item",
        key: `/01/${product.gtin}/21/${SERIAL}`,
        gtin: product.gtin,
        serial: SERIAL,
        form,
        symbologyId,
      });
      expect(body.item).toMatchObject({ serial: SERIAL, lot: "B2026", state: "commissioned" });
      expect(body.lot?.lot).toBe("B2026");
      expect(body.lot?.expiryDate).toBe(lot.expiryDate);
      expect(body.product?.gtin).toBe(product.gtin);
    });
  }

  it("keeps the attributes it was given", async () => {
    const body = Lookup.parse(
      await (await lookup(`(01)${product.gtin}(17)261231(10)B2026(21)${SERIAL}`)).json(),
    );
    expect(body.parsed.attributes).toEqual({ "17": "261231" });
    expect(body.parsed.lot).toBe("B2026");
  });

  it("finds a product from a bare EAN-13 and a lot from its element string", async () => {
    const byEan = Lookup.parse(await (await lookup(gtin13())).json());
    expect(byEan.parsed).toMatchObject({
      level: "product",
      form: "gtin",
      key: `/01/${product.gtin}`,
    });
    expect(byEan.product?.nameZh).toBe(product.nameZh);
    expect(byEan.lot).toBeUndefined();
    const byLot = Lookup.parse(await (await lookup(`(01)${product.gtin}(10)B2026`)).json());
    expect(byLot.parsed.level).toBe("lot");
    expect(byLot.lot?.itemCount).toBe(1);
    expect(byLot.item).toBeUndefined();
  });
});

describe("Digital Link forms GS1 URI syntax accepts", () => {
  it("reads convenience alphas, passes other query parameters through and keeps AI attributes", async () => {
    const res = await lookup(
      `https://id.example.com/gtin/${product.gtin}/ser/${SERIAL}?17=261231&linkType=gs1:pip&flag`,
    );
    expect(res.status).toBe(200);
    const body = Lookup.parse(await res.json());
    expect(body.parsed).toMatchObject({
      level: "item",
      key: `/01/${product.gtin}/21/${SERIAL}`,
      attributes: { "17": "261231" },
    });
    expect(body.item?.serial).toBe(SERIAL);
  });
});

describe("compressed Digital Links", () => {
  it("offers the compressed URI, and finds the item from it (on any host), with the same key", async () => {
    const full = Lookup.parse(
      await (await lookup(`/01/${product.gtin}/10/B2026/21/${SERIAL}`)).json(),
    );
    expect(full.parsed.uri).toBe(`https://zhuisu.test/01/${product.gtin}/10/B2026/21/${SERIAL}`);
    const compressed = full.parsed.compressedUri ?? "";
    expect(compressed).toMatch(/^https:\/\/zhuisu\.test\/[A-Za-z0-9_-]+$/);
    expect(compressed.length).toBeLessThan(full.parsed.uri?.length ?? 0);
    for (const code of [compressed, compressed.replace("zhuisu.test", "id.example.com")]) {
      const res = await lookup(`${code}?linkType=gs1:pip`);
      expect(res.status).toBe(200);
      const body = Lookup.parse(await res.json());
      expect(body.parsed).toMatchObject({
        form: "compressed-digital-link",
        key: `/01/${product.gtin}/21/${SERIAL}`,
        lot: "B2026",
      });
      expect(body.item?.serial).toBe(SERIAL);
    }
  });

  it("refuses a single path segment that is no compressed Digital Link", async () => {
    const res = await lookup("https://zhuisu.test/console");
    expect(res.status).toBe(400);
    const body = ProblemSchema.parse(await res.json());
    expect((body.codeError as { code: string }).code).toBe("missing_primary_key");
  });
});

describe("codes that are not registered", () => {
  it("is 404 with what was parsed for an unknown GTIN", async () => {
    const gtin = makeGtin13();
    const res = await lookup(gtin);
    expect(res.status).toBe(404);
    const body = ProblemSchema.parse(await res.json());
    expect(body.detail).toContain("not registered");
    expect(body.registered).toBe(false);
    expect(ParsedCodeView.parse(body.parsed).gtin).toBe(`0${gtin}`);
  });

  it("is 404 naming the serial, with the product, for a serial never commissioned", async () => {
    const res = await lookup(`(01)${product.gtin}(21)FAKE0001`);
    expect(res.status).toBe(404);
    const body = ProblemSchema.parse(await res.json());
    expect(body.detail).toContain("FAKE0001");
    expect((body.product as { gtin: string }).gtin).toBe(product.gtin);
    expect(body.item).toBeUndefined();
  });

  it("parses a 20-digit drug traceability code and answers 404 for it", async () => {
    const res = await lookup("81234567890123456789");
    expect(res.status).toBe(404);
    const body = ProblemSchema.parse(await res.json());
    expect(ParsedCodeView.parse(body.parsed)).toMatchObject({
      level: "drug-code",
      key: "81234567890123456789",
      form: "drug-code",
      gtin: null,
    });
  });
});

describe("malformed codes", () => {
  it("are 400 invalid_code with the parser's error: code, AI, position and what was expected", async () => {
    const gtin = product.gtin;
    const wrong = `${gtin.slice(0, 13)}${(Number(gtin[13]) + 1) % 10}`;
    const res = await lookup(`(01)${wrong}(21)X`);
    expect(res.status).toBe(400);
    const body = ProblemSchema.parse(await res.json());
    expect(body.code).toBe("invalid_code");
    expect(body.codeError).toMatchObject({
      code: "bad_check_digit",
      ai: "01",
      position: 14,
      expected: gtin[13],
    });
    expect(body.errors?.[0]?.path).toBe("query.code");
  });

  it.each([
    ["a lot with a forbidden character", () => `(01)${product.gtin}(10)A/B`, "forbidden_character"],
    [
      "a serial over 20 characters",
      () => `(01)${product.gtin}(21)${"S".repeat(21)}`,
      "value_too_long",
    ],
    ["an unknown AI", () => `(01)${product.gtin}(23)X`, "unknown_ai"],
    ["plain words", () => "hello world", "not_a_code"],
    // GS1 URI syntax 1.6, as GS1's reference parser reads it.
    [
      "a Digital Link whose GTIN is not 14 digits",
      () => `https://id.example.com/01/${product.gtin.slice(1)}`,
      "bad_length",
    ],
    [
      "a Digital Link ending in a slash",
      () => `https://id.example.com/01/${product.gtin}/`,
      "trailing_slash",
    ],
    ["an upper-case scheme", () => `HTTPS://id.example.com/01/${product.gtin}`, "bad_scheme"],
    ["another scheme", () => `ftp://id.example.com/01/${product.gtin}`, "bad_scheme"],
    [
      "a host with a bad character",
      () => `https://id_x.example.com/01/${product.gtin}`,
      "bad_host",
    ],
    [
      "key qualifiers out of order",
      () => `https://id.example.com/01/${product.gtin}/21/${SERIAL}/10/B2026`,
      "bad_key_order",
    ],
  ])("refuses %s", async (_what, code, errorCode) => {
    const res = await lookup(code());
    expect(res.status).toBe(400);
    const body = ProblemSchema.parse(await res.json());
    expect((body.codeError as { code: string }).code).toBe(errorCode);
  });

  it("needs a code", async () => {
    expect((await t.request("GET", "/v1/lookup")).status).toBe(422);
  });
});
