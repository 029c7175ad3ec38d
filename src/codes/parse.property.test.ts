// Property tests: every format round-trips through parseCode, and parseCode never throws.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GS } from "./element-string";
import { appendCheckDigit, type Gtin14 } from "./gtin";
import {
  canonicalKey,
  formatDigitalLink,
  formatElementString,
  type GtinIdentity,
  parseCode,
} from "./parse";

const digits = (n: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: n, maxLength: n });
const two = (n: number) => String(n).padStart(2, "0");

const gtin14 = digits(13).map((body) => appendCheckDigit(body) as Gtin14);

// AI 10/21 values as GB/T 33993 allows them: CSET 82 without % & / < > ?.
const LOT_CHARS = [
  ..."!\"'()*+,-.0123456789:;=ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz",
];
const lotOrSerial = fc.string({ unit: fc.constantFrom(...LOT_CHARS), minLength: 1, maxLength: 20 });
const CSET82 = [
  ..."!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz",
];

const yymmdd = fc
  .record({
    yy: fc.integer({ min: 0, max: 99 }),
    mm: fc.integer({ min: 1, max: 12 }),
    dd: fc.integer({ min: 1, max: 28 }),
  })
  .map(({ yy, mm, dd }) => two(yy) + two(mm) + two(dd));
const yymm00 = yymmdd.map((d) => `${d.slice(0, 4)}00`);

const attributes = fc.record(
  {
    "11": yymmdd,
    "13": fc.oneof(yymmdd, yymm00),
    "17": fc.oneof(yymmdd, yymm00),
    "3103": digits(6),
    "3922": digits(4),
    "30": fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: 8 }),
    "240": fc.string({ unit: fc.constantFrom(...CSET82), minLength: 1, maxLength: 30 }),
    "422": digits(3),
    "7006": yymmdd,
  },
  { requiredKeys: [] },
);

const identity: fc.Arbitrary<GtinIdentity> = fc
  .record(
    { gtin: gtin14, lot: lotOrSerial, serial: lotOrSerial, attributes },
    { requiredKeys: ["gtin", "attributes"] },
  )
  .map((x) => {
    // AI 3922 (price) needs a count or measure such as AI 30 beside it.
    if (x.attributes["3922"] !== undefined && x.attributes["30"] === undefined) {
      const { "3922": _price, ...rest } = x.attributes;
      return { ...x, attributes: rest };
    }
    return x;
  });

const baseUrl = fc.constantFrom(
  "https://example.cn",
  "https://id.gs1.org/",
  "http://localhost:8080/prefix/p2",
  "https://EXAMPLE.COM/01/x",
);

function expectSame(input: string, x: GtinIdentity): void {
  const r = parseCode(input);
  if (!r.ok) throw new Error(`${JSON.stringify(input)}: ${r.error.message}`);
  const code = r.value;
  if (code.kind !== "gs1") throw new Error("not GS1");
  expect({
    gtin: code.gtin,
    lot: code.lot,
    serial: code.serial,
    attributes: code.attributes,
  }).toEqual({
    gtin: x.gtin,
    lot: x.lot,
    serial: x.serial,
    attributes: x.attributes,
  });
  expect(code.level).toBe(
    x.serial !== undefined ? "item" : x.lot !== undefined ? "lot" : "product",
  );
  expect(code.key).toBe(canonicalKey(x));
}

describe("round trips", () => {
  it("parse(formatDigitalLink(x)) = x", () => {
    fc.assert(
      fc.property(identity, baseUrl, (x, base) => expectSame(formatDigitalLink(x, base), x)),
    );
  });

  it("parse(bare Digital Link path) = x", () => {
    fc.assert(fc.property(identity, (x) => expectSame(formatDigitalLink(x, ""), x)));
  });

  it("parse(formatElementString(x)) = x", () => {
    fc.assert(fc.property(identity, (x) => expectSame(formatElementString(x), x)));
  });

  it("parse(raw GS-separated form, with or without a symbology identifier) = x", () => {
    fc.assert(
      fc.property(identity, fc.constantFrom("", "]C1", "]d2", "]Q3", "]e0"), (x, symbologyId) => {
        const raw = formatElementString(x, { form: "raw", symbologyId });
        expect(raw.endsWith(GS)).toBe(false);
        expectSame(raw, x);
      }),
    );
  });
});

const FRAGMENTS = [
  "(01)",
  "01",
  "09506000134352",
  "06901234567892",
  "(10)",
  "10",
  "(21)",
  "21",
  "17",
  "261231",
  "(17)",
  GS,
  "]d2",
  "]Q1",
  "]C1",
  "]E0",
  "https://",
  "http://",
  "e.cn",
  "/",
  "?",
  "=",
  "&",
  "#",
  "%",
  "%2",
  "%E4",
  "%2F",
  "(",
  ")",
  "\\(",
  "+",
  " ",
  "0",
  "8",
  "9",
  "00",
  "414",
  "254",
  "8004",
  "8010",
  "235",
  "3103",
  "000500",
  "linkType",
  "中",
  "\uD800",
  "\u0000",
];

describe("parseCode never throws", () => {
  const neverThrows = (input: string) => {
    const r = parseCode(input);
    expect(typeof r.ok).toBe("boolean");
    if (!r.ok) expect(r.error.message.length).toBeGreaterThan(0);
  };

  it("for arbitrary strings", () => {
    fc.assert(fc.property(fc.string(), neverThrows), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: "binary" }), neverThrows), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), neverThrows), {
      numRuns: 500,
    });
  });

  it("for strings built from AI-ish fragments", () => {
    const ish = fc
      .array(fc.constantFrom(...FRAGMENTS), { maxLength: 16 })
      .map((parts) => parts.join(""));
    fc.assert(fc.property(ish, neverThrows), { numRuns: 5000 });
  });

  it("for Digital Links and element strings carrying arbitrary values", () => {
    fc.assert(
      fc.property(
        gtin14,
        fc.string({ unit: "binary", maxLength: 30 }),
        fc.boolean(),
        (gtin, value, asLot) => {
          const x = asLot ? { gtin, lot: value } : { gtin, serial: value };
          neverThrows(formatDigitalLink(x, "https://e.cn"));
          neverThrows(formatElementString(x));
          neverThrows(formatElementString(x, { form: "raw", symbologyId: "]d2" }));
        },
      ),
    );
  });
});
