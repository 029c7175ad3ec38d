// The 20-digit Chinese drug traceability code: shape only.
import { describe, expect, it } from "vitest";
import { parseDrugCode } from "./drug-code";

describe("parseDrugCode", () => {
  it("accepts 20 digits and keys the code by itself", () => {
    expect(parseDrugCode("81234567890123456789")).toEqual({
      ok: true,
      value: {
        kind: "drug-code",
        code: "81234567890123456789",
        productPrefix: "8123456",
        legacy: true,
      },
    });
    const r = parseDrugCode("61234567890123456789");
    expect(r.ok && r.value.legacy).toBe(false);
  });

  it("rejects other lengths and non-digits", () => {
    expect(parseDrugCode("8123456789012345678")).toMatchObject({
      ok: false,
      error: { code: "bad_length", expected: "20 digits", got: "19" },
    });
    expect(parseDrugCode("812345678901234567890").ok).toBe(false);
    expect(parseDrugCode("8123456789O123456789")).toMatchObject({
      ok: false,
      error: { code: "bad_character", position: 11, got: "O" },
    });
  });
});
