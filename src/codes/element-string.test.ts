// Bracketed and raw element strings, symbology identifiers, and formatting back.
import { describe, expect, it } from "vitest";
import {
  formatBracketed,
  formatRaw,
  GS,
  orderForSymbol,
  parseBracketed,
  parseRawElementString,
  splitSymbologyId,
} from "./element-string";

const UDI = [
  { ai: "01", value: "06901234567892" },
  { ai: "17", value: "130131" },
  { ai: "10", value: "1234" },
];

describe("parseBracketed", () => {
  it("splits the China UDI example", () => {
    expect(parseBracketed("(01)06901234567892(17)130131(10)1234")).toEqual({
      ok: true,
      value: UDI,
    });
  });

  it('reads "\\(" as a literal bracket and an unescaped "(" that opens no AI as itself', () => {
    expect(parseBracketed("(01)09506000134352(10)A\\(12)B")).toEqual({
      ok: true,
      value: [
        { ai: "01", value: "09506000134352" },
        { ai: "10", value: "A(12)B" },
      ],
    });
    const r = parseBracketed("(10)A(B)C(21)1");
    expect(r.ok && r.value).toEqual([
      { ai: "10", value: "A(B)C" },
      { ai: "21", value: "1" },
    ]);
  });

  it("keeps empty values for validation to reject", () => {
    expect(parseBracketed("(01)(10)A")).toEqual({
      ok: true,
      value: [
        { ai: "01", value: "" },
        { ai: "10", value: "A" },
      ],
    });
  });

  it("rejects unknown AIs and malformed brackets", () => {
    expect(parseBracketed("(06)123")).toMatchObject({
      ok: false,
      error: { code: "unknown_ai", ai: "06" },
    });
    expect(parseBracketed("(01")).toMatchObject({
      ok: false,
      error: { code: "bad_syntax", position: 1 },
    });
    expect(parseBracketed("(1)2")).toMatchObject({ ok: false, error: { code: "bad_syntax" } });
    expect(parseBracketed("01)2")).toMatchObject({ ok: false, error: { code: "bad_syntax" } });
    expect(parseBracketed("")).toMatchObject({ ok: false, error: { code: "bad_syntax" } });
  });
});

describe("parseRawElementString", () => {
  it("splits predefined-length AIs without separators", () => {
    expect(parseRawElementString("010690123456789217130131101234")).toEqual({
      ok: true,
      value: UDI,
    });
  });

  it("ends variable-length values at GS or at the end", () => {
    expect(parseRawElementString(`0109506000134352${"10ABC"}${GS}21123${GS}17261231`)).toEqual({
      ok: true,
      value: [
        { ai: "01", value: "09506000134352" },
        { ai: "10", value: "ABC" },
        { ai: "21", value: "123" },
        { ai: "17", value: "261231" },
      ],
    });
  });

  it("tolerates a leading FNC1 and a redundant GS after a predefined-length value", () => {
    expect(parseRawElementString(`${GS}0109506000134352${GS}10ABC${GS}`)).toEqual({
      ok: true,
      value: [
        { ai: "01", value: "09506000134352" },
        { ai: "10", value: "ABC" },
      ],
    });
  });

  it("leaves a truncated predefined-length value short, for validation to reject", () => {
    expect(parseRawElementString("0109506")).toEqual({
      ok: true,
      value: [{ ai: "01", value: "09506" }],
    });
  });

  it("rejects unknown AIs and non-AI data", () => {
    expect(parseRawElementString("0612345")).toMatchObject({
      ok: false,
      error: { code: "unknown_ai", position: 1, got: "0612" },
    });
    expect(parseRawElementString("0109506000134352XYZ")).toMatchObject({
      ok: false,
      error: { code: "bad_syntax", position: 17, got: "X" },
    });
    expect(parseRawElementString(GS)).toMatchObject({ ok: false, error: { code: "bad_syntax" } });
  });
});

describe("splitSymbologyId", () => {
  it.each([
    ["]C1", "gs1"],
    ["]e0", "gs1"],
    ["]d2", "gs1"],
    ["]Q3", "gs1"],
    ["]J1", "gs1"],
    ["]E0", "gtin"],
    ["]E4", "gtin"],
    ["]Q1", "plain"],
    ["]d1", "plain"],
    ["]C0", "plain"],
  ])("%s carries %s data", (id, content) => {
    expect(splitSymbologyId(`${id}0109506000134352`)).toEqual({
      id,
      content,
      data: "0109506000134352",
    });
  });

  it("returns null without an identifier", () => {
    expect(splitSymbologyId("0109506000134352")).toBeNull();
    expect(splitSymbologyId("]")).toBeNull();
    expect(splitSymbologyId("]$1abc")).toBeNull();
  });
});

describe("formatting", () => {
  it("writes the bracketed form, escaping (", () => {
    expect(formatBracketed(UDI)).toBe("(01)06901234567892(17)130131(10)1234");
    expect(formatBracketed([{ ai: "10", value: "A(1)" }])).toBe("(10)A\\(1)");
  });

  it("writes GS only after variable-length values that are not last", () => {
    const elements = [
      { ai: "01", value: "09506000134352" },
      { ai: "10", value: "ABC" },
      { ai: "17", value: "261231" },
      { ai: "21", value: "123" },
    ];
    expect(formatRaw(elements)).toBe(`0109506000134352${"10ABC"}${GS}1726123121123`);
    expect(formatRaw(elements, "]d2").startsWith("]d201")).toBe(true);
    expect(formatRaw(orderForSymbol(elements))).toBe(
      `010950600013435217261231${"10ABC"}${GS}21123`,
    );
  });

  it("round-trips through both forms", () => {
    expect(parseBracketed(formatBracketed(UDI))).toEqual({ ok: true, value: UDI });
    expect(parseRawElementString(formatRaw(UDI))).toEqual({ ok: true, value: UDI });
  });
});
