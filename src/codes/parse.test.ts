// parseCode over every input form, identifier levels, canonical keys, errors, and formatting back.
import { describe, expect, it } from "vitest";
import { GS } from "./element-string";
import type { Gtin14 } from "./gtin";
import {
  canonicalKey,
  formatDigitalLink,
  formatElementString,
  type ParsedCode,
  parseCode,
} from "./parse";

function parsed(input: string): ParsedCode {
  const r = parseCode(input);
  if (!r.ok) throw new Error(`${JSON.stringify(input)}: ${r.error.message}`);
  return r.value;
}

function failure(input: string) {
  const r = parseCode(input);
  if (r.ok) throw new Error(`${JSON.stringify(input)} parsed`);
  return r.error;
}

const GTIN = "06901234567892" as Gtin14;

describe("bare numbers", () => {
  it.each([
    ["6901234567892", "06901234567892"],
    ["06901234567892", "06901234567892"],
    ["26901234567896", "26901234567896"],
    ["09506000134352", "09506000134352"],
    ["036000291452", "00036000291452"],
    ["96385074", "00000096385074"],
    [" 6 901234 567892\r\n", "06901234567892"],
  ])("%j is the product %s", (input, gtin) => {
    expect(parsed(input)).toEqual({
      kind: "gs1",
      level: "product",
      form: "gtin",
      key: `/01/${gtin}`,
      gtin,
      primaryKey: { ai: "01", value: gtin },
      qualifiers: [],
      attributes: {},
      otherParams: {},
    });
  });

  it("reports a bad GTIN check digit with the digit expected", () => {
    expect(failure("6901234567897")).toMatchObject({
      code: "bad_check_digit",
      position: 13,
      expected: "2",
      got: "7",
    });
  });

  it("reads 20 digits as a drug traceability code", () => {
    expect(parsed("81234567890123456789")).toEqual({
      kind: "drug-code",
      level: "drug-code",
      form: "drug-code",
      key: { kind: "drug-code", code: "81234567890123456789", productPrefix: "8123456" },
      code: "81234567890123456789",
      productPrefix: "8123456",
      legacy: true,
    });
    expect(parsed("61234567890123456789")).toMatchObject({ kind: "drug-code", legacy: false });
  });

  it("reads 20 digits as GS1 data only when they are valid element strings and not a legacy drug code", () => {
    expect(parsed("01069012345678921012")).toMatchObject({
      kind: "gs1",
      form: "raw-element-string",
      lot: "12",
    });
    expect(parsed("01069012345678911012")).toMatchObject({ kind: "drug-code" });
  });

  it("rejects other numbers", () => {
    expect(failure("12345").code).toBe("not_a_code");
    expect(failure("123456789012345678901").code).toBe("not_a_code");
  });
});

describe("element strings", () => {
  it("reads the China UDI example as a lot", () => {
    expect(parsed("(01)06901234567892(17)130131(10)1234")).toEqual({
      kind: "gs1",
      level: "lot",
      form: "element-string",
      key: "/01/06901234567892/10/1234",
      gtin: GTIN,
      lot: "1234",
      primaryKey: { ai: "01", value: GTIN },
      qualifiers: [{ ai: "10", value: "1234" }],
      attributes: { "17": "130131" },
      otherParams: {},
    });
  });

  it("reads a serialised item; its key leaves the lot out, the lot is still returned", () => {
    const code = parsed("(01)09506000134352(17)261231(10)ABC(21)123");
    expect(code).toMatchObject({
      level: "item",
      key: "/01/09506000134352/21/123",
      lot: "ABC",
      serial: "123",
    });
  });

  it("reads raw scans with symbology identifiers and GS separators", () => {
    const scan = `]d2010950600013435217261231${"10ABC"}${GS}21123`;
    expect(parsed(scan)).toMatchObject({
      form: "raw-element-string",
      symbologyId: "]d2",
      level: "item",
      gtin: "09506000134352",
      lot: "ABC",
      serial: "123",
      attributes: { "17": "261231" },
    });
    for (const id of ["]C1", "]Q3", "]e0"]) {
      expect(parsed(`${id}0109506000134352`)).toMatchObject({ symbologyId: id, level: "product" });
    }
    expect(parsed(`0109506000134352${"21ABC"}`)).toMatchObject({
      form: "raw-element-string",
      serial: "ABC",
    });
    expect(parsed(`${GS}0109506000134352`)).toMatchObject({ form: "raw-element-string" });
  });

  it("does not read ]Q1 or ]d1 data as GS1 element strings", () => {
    expect(failure("]Q10109506000134352").code).toBe("not_a_code");
    expect(failure("]d1010950600013435210ABC").code).toBe("not_a_code");
    expect(parsed("]Q1https://example.cn/01/06901234567892")).toMatchObject({
      form: "digital-link",
      symbologyId: "]Q1",
    });
    expect(parsed("]d181234567890123456789")).toMatchObject({
      kind: "drug-code",
      symbologyId: "]d1",
    });
    expect(parsed("]E06901234567892")).toMatchObject({ form: "gtin", symbologyId: "]E0" });
  });

  it("reads other GS1 keys as other-key", () => {
    expect(parsed("(00)040123450000003338(02)09506000134352(37)10")).toMatchObject({
      level: "other-key",
      key: "/00/040123450000003338",
      attributes: { "02": "09506000134352", "37": "10" },
    });
    expect(parsed("(414)4012345000115(254)987")).toMatchObject({
      level: "other-key",
      key: "/414/4012345000115/254/987",
    });
  });
});

describe("Digital Link", () => {
  it("reads the GB/T 33993 example", () => {
    expect(parsed("https://example.cn/01/06901234567892/10/LOT1234/21/SN0001?17=261231")).toEqual({
      kind: "gs1",
      level: "item",
      form: "digital-link",
      key: "/01/06901234567892/21/SN0001",
      gtin: GTIN,
      lot: "LOT1234",
      serial: "SN0001",
      primaryKey: { ai: "01", value: GTIN },
      qualifiers: [
        { ai: "10", value: "LOT1234" },
        { ai: "21", value: "SN0001" },
      ],
      attributes: { "17": "261231" },
      otherParams: {},
    });
  });

  it("reads a bare path and a URI without its scheme", () => {
    expect(parsed("/01/09506000134352/10/ABC")).toMatchObject({
      form: "dl-path",
      level: "lot",
      key: "/01/09506000134352/10/ABC",
    });
    expect(parsed("id.gs1.org/01/09506000134352")).toMatchObject({
      form: "digital-link",
      level: "product",
    });
  });

  it("keeps lot and serial as given and percent-encodes the key", () => {
    expect(failure("https://e.cn/01/09506000134352/21/a%20b")).toMatchObject({
      code: "bad_character",
      position: 2,
    });
    expect(parsed("https://e.cn/01/09506000134352/21/a(1)")).toMatchObject({
      serial: "a(1)",
      key: "/01/09506000134352/21/a%281%29",
    });
  });
});

describe("errors", () => {
  it("have a stable code, the AI, a 1-based position, what was expected and an English message", () => {
    expect(failure("(01)09506000134357")).toEqual({
      code: "bad_check_digit",
      ai: "01",
      position: 14,
      expected: "2",
      got: "7",
      message: "AI (01): bad check digit at position 14: expected 2, got 7",
    });
    expect(failure("(01)09506000134352(10)ABCDEFGHIJKLMNOPQRSTU")).toMatchObject({
      code: "value_too_long",
      ai: "10",
      expected: "X..20",
    });
    expect(failure("(01)09506000134352(21)SN<1>")).toMatchObject({
      code: "forbidden_character",
      ai: "21",
      position: 3,
    });
    expect(failure("(01)09506000134352(17)260230")).toMatchObject({
      code: "bad_date",
      ai: "17",
      position: 5,
    });
    expect(failure("(10)ABC").code).toBe("missing_required_ai");
    expect(failure("(400)PO123").code).toBe("missing_primary_key");
    expect(failure("(99)X(06)1")).toMatchObject({ code: "unknown_ai", ai: "06" });
    expect(failure("https://e.cn/01/09506000134352/21/S/10/L").code).toBe("bad_key_order");
  });

  it("never throws on junk", () => {
    expect(failure("").code).toBe("empty_input");
    expect(failure("   ").code).toBe("empty_input");
    expect(failure("hello").code).toBe("not_a_code");
    expect(failure("x".repeat(5000)).code).toBe("not_a_code");
    expect(failure(undefined as unknown as string).code).toBe("not_a_code");
  });

  it("can skip GB/T 33993 for codes issued abroad", () => {
    expect(parseCode("(01)09506000134352(21)A/B", { gbt33993: false }).ok).toBe(true);
  });
});

describe("formatting and canonical keys", () => {
  const item = parsed("(01)06901234567892(17)261231(10)LOT1(21)SN1");

  it("formats a parsed code back to a Digital Link on any base URL", () => {
    if (item.kind !== "gs1") throw new Error("not gs1");
    expect(formatDigitalLink(item, "https://example.cn")).toBe(
      "https://example.cn/01/06901234567892/10/LOT1/21/SN1?17=261231",
    );
    expect(formatElementString(item)).toBe("(01)06901234567892(17)261231(10)LOT1(21)SN1");
    expect(formatElementString(item, { form: "raw", symbologyId: "]d2" })).toBe(
      `]d20106901234567892172612311${"0LOT1"}${GS}21SN1`,
    );
  });

  it("formats from a GTIN with lot and serial, or from a key with qualifiers in any order", () => {
    expect(formatDigitalLink({ gtin: GTIN, lot: "L/1", serial: "S 1" }, "https://x.cn/")).toBe(
      "https://x.cn/01/06901234567892/10/L%2F1/21/S%201",
    );
    expect(
      formatElementString({
        primaryKey: { ai: "01", value: GTIN },
        qualifiers: [
          { ai: "21", value: "S1" },
          { ai: "10", value: "L1" },
        ],
      }),
    ).toBe("(01)06901234567892(10)L1(21)S1");
  });

  it("canonicalKey: item without lot, lot, product, other keys, drug codes", () => {
    expect(canonicalKey(item)).toBe("/01/06901234567892/21/SN1");
    expect(canonicalKey({ gtin: GTIN, lot: "LOT1" })).toBe("/01/06901234567892/10/LOT1");
    expect(canonicalKey({ gtin: GTIN })).toBe("/01/06901234567892");
    expect(
      canonicalKey({
        primaryKey: { ai: "414", value: "4012345000115" },
        qualifiers: [{ ai: "254", value: "9" }],
      }),
    ).toBe("/414/4012345000115/254/9");
    const drug = parsed("81234567890123456789");
    expect(canonicalKey(drug)).toEqual({
      kind: "drug-code",
      code: "81234567890123456789",
      productPrefix: "8123456",
    });
  });
});
