// GS1 Digital Link compression: GS1's reference vectors both ways, round trips, and refusals.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDigitalLink } from "./digital-link";
import {
  compressDigitalLink,
  compressDigitalLinkSegment,
  decompressDigitalLinkSegment,
} from "./dl-compression";
import { appendCheckDigit } from "./gtin";

// Produced by GS1's reference implementation, gs1/GS1DigitalLinkCompressionPrototype
// (src/GS1DigitalLinkToolkit.js, Apache-2.0, © GS1 AISBL): compressGS1DigitalLink(uri, false,
// "https://id.gs1.org", false, useOptimisations, false). [uncompressed, optimised, compressed].
const VECTORS: [string, boolean, string][] = [
  ["https://id.gs1.org/01/09506000134352", false, "ARFKk4XBoA"],
  ["https://id.gs1.org/01/09506000134352/10/ABC123", false, "ARFKk4XBoCCNV4JG"],
  ["https://id.gs1.org/01/09506000134352/10/ABC123", true, "CxFKk4XBoI1XgkY"],
  ["https://id.gs1.org/01/09506000134352/21/12345", false, "ARFKk4XBoEIKMDk"],
  ["https://id.gs1.org/01/09506000134352/21/12345", true, "DBFKk4XBoAowOQ"],
  [
    "https://id.gs1.org/01/09506000134352/10/ABC1/21/12345?17=180426",
    false,
    "ARFKk4XBoCCJV4IuWBlEIKMDk",
  ],
  [
    "https://id.gs1.org/01/09506000134352/10/ABC1/21/12345?17=180426",
    true,
    "GhFKk4XBoIlXggowOSwMo",
  ],
  [
    "https://id.gs1.org/01/05412345000013/10/ABC%26%2B123?3103=000189&3923=2172",
    false,
    "AQnYUc1gmiERBhQ0ytiyZmIGABenJGhD4",
  ],
  [
    "https://id.gs1.org/01/05412345000013/10/ABC%26%2B123?3103=000189&3923=2172",
    true,
    "LQnYUc1gmgAXohEQYUNMrYsmZyRoQ-A",
  ],
  [
    "https://id.gs1.org/01/06901234567892/10/LOT1234/21/SN0001?17=261231",
    false,
    "AQyNo0UVqCDOWcnrtvwLn-N5CzJG6aaag",
  ],
  [
    "https://id.gs1.org/01/06901234567892/10/LOT1234/21/SN0001?17=261231",
    true,
    "GgyNo0UVqM5Zyeu2_DMkbpppqf43g",
  ],
  ["https://id.gs1.org/01/06901234567892/21/Kq7ZmW3xRt9a", false, "AQyNo0UVqELYVV2zMtvijb60"],
  ["https://id.gs1.org/01/06901234567892/21/Kq7ZmW3xRt9a", true, "DAyNo0UVqNhVXbMy2-KNvrQ"],
  ["https://id.gs1.org/01/06901234567892/10/abc/21/def", false, "AQyNo0UVqCBHV4Qke94"],
  ["https://id.gs1.org/01/06901234567892/10/abc/21/def", true, "CwyNo0UVqEdXhCR73g"],
  ["https://id.gs1.org/00/952012345678912345", true, "ANNjovNfpbWQ"],
  ["https://id.gs1.org/414/9520123456788/254/32a%2Fb", false, "JUhWbLCvxIKRUScnWig"],
  ["https://id.gs1.org/414/9520123456788/254/32a%2Fb", true, "nYqJOTrRSFZssK_E"],
  ["https://id.gs1.org/01/09520123456788/22/2A", false, "ARFRJydaKESEVA"],
  ["https://id.gs1.org/01/09520123456788/22/2A", true, "ChFRJydaKIRU"],
  [
    "https://id.gs1.org/01/09520123456788?3103=000195&3922=0299&17=201225",
    false,
    "ARFRJydaKC5iQSYgYAGGckSAlY",
  ],
  [
    "https://id.gs1.org/01/09520123456788?3103=000195&3922=0299&17=201225",
    true,
    "LRFRJydaKAAYYuYkEnJEgJW",
  ],
  ["https://id.gs1.org/8004/9520614141234567", true, "gAQQh0vK37o2H"],
  ["https://id.gs1.org/01/06901234567892/10/0012", false, "AQyNo0UVqCAIAGA"],
  ["https://id.gs1.org/01/06901234567892/10/0012", true, "CwyNo0UVqAgAY"],
];

const partsOf = (uri: string) => {
  const r = parseDigitalLink(uri, { gbt33993: false });
  if (!r.ok) throw new Error(r.error.message);
  const { stem: _stem, ...parts } = r.value;
  return parts;
};

describe("GS1's reference vectors", () => {
  it.each(VECTORS)("%s (optimised: %s) compresses to %s", (uri, optimise, compressed) => {
    expect(compressDigitalLinkSegment(partsOf(uri), { optimise })).toBe(compressed);
  });

  it.each(VECTORS)("%s (optimised: %s) comes back from %s", (uri, _optimise, compressed) => {
    // GS1's decompressor loses leading zeros of digit-only values ("0299" → "299", lot "0012" →
    // "12"); the number of digits is in the data, so this one gives them back.
    expect(decompressDigitalLinkSegment(compressed)).toEqual({ ok: true, value: partsOf(uri) });
  });
});

describe("compressDigitalLink", () => {
  it("writes the segment on the base URL and keeps other parameters as a query string", () => {
    const parts = {
      ...partsOf("https://x/01/09506000134352/10/ABC123"),
      otherParams: { linkType: "gs1:pip" },
    };
    expect(compressDigitalLink(parts, "https://zhuisu.test/")).toBe(
      "https://zhuisu.test/CxFKk4XBoI1XgkY?linkType=gs1%3Apip",
    );
  });

  it("is shorter than the uncompressed form for a serialised item", () => {
    const uri = "https://id.gs1.org/01/06901234567892/10/LOT1234/21/SN0001?17=261231";
    expect(compressDigitalLink(partsOf(uri), "https://id.gs1.org").length).toBeLessThan(uri.length);
  });
});

describe("round trips", () => {
  const digits = (n: number) =>
    fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: n, maxLength: n });
  const gtin = digits(13).map((b) => appendCheckDigit(b));
  const CSET82 = [
    ..."!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz",
  ];
  const text = (max: number) =>
    fc.string({ unit: fc.constantFrom(...CSET82), minLength: 1, maxLength: max });
  const yymmdd = fc
    .tuple(
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 28 }),
    )
    .map((t) => t.map((n) => String(n).padStart(2, "0")).join(""));
  const parts = fc
    .record(
      {
        gtin,
        cpv: text(20),
        lot: fc.oneof(
          text(20),
          fc.string({
            unit: fc.constantFrom(..."0123456789abcdefABCDEF-_"),
            minLength: 1,
            maxLength: 20,
          }),
        ),
        serial: text(20),
        expiry: yymmdd,
        weight: digits(6),
        count: fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: 8 }),
      },
      { requiredKeys: ["gtin"] },
    )
    .map((x) => ({
      primaryKey: { ai: "01", value: x.gtin },
      qualifiers: [
        ...(x.cpv === undefined ? [] : [{ ai: "22", value: x.cpv }]),
        ...(x.lot === undefined ? [] : [{ ai: "10", value: x.lot }]),
        ...(x.serial === undefined ? [] : [{ ai: "21", value: x.serial }]),
      ],
      attributes: {
        ...(x.expiry === undefined ? {} : { "17": x.expiry }),
        ...(x.weight === undefined ? {} : { "3103": x.weight }),
        ...(x.count === undefined ? {} : { "30": x.count }),
      },
      otherParams: {},
    }));

  it("decompress(compress(x)) = x, with and without optimisations", () => {
    fc.assert(
      fc.property(parts, fc.boolean(), (x, optimise) => {
        expect(decompressDigitalLinkSegment(compressDigitalLinkSegment(x, { optimise }))).toEqual({
          ok: true,
          value: x,
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe("refusals", () => {
  it("refuses what is not base64url, not GS1 data, or GS1 data that does not validate", () => {
    expect(decompressDigitalLinkSegment("abc.def")).toMatchObject({
      ok: false,
      error: { code: "bad_syntax" },
    });
    expect(decompressDigitalLinkSegment("products")).toMatchObject({ ok: false });
    expect(decompressDigitalLinkSegment("console")).toMatchObject({ ok: false });
    // GTIN 09506000134357: the check digit is wrong.
    const bad = compressDigitalLinkSegment({
      ...partsOf("https://x/01/09506000134352"),
      primaryKey: { ai: "01", value: "09506000134357" },
    });
    expect(decompressDigitalLinkSegment(bad)).toMatchObject({
      ok: false,
      error: { code: "bad_check_digit" },
    });
  });
});
