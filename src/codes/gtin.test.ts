// GTIN check digit, validation and normalisation.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { appendCheckDigit, gs1CheckDigit, isGtin14, isValidGtin, parseGtin } from "./gtin";

describe("gs1CheckDigit", () => {
  it("weights 3,1,3,1… from the right", () => {
    expect(gs1CheckDigit("690123456789")).toBe(2);
    expect(gs1CheckDigit("0950600013435")).toBe(2);
    expect(gs1CheckDigit("2690123456789")).toBe(6);
    expect(gs1CheckDigit("9638507")).toBe(4); // GTIN-8 96385074
    expect(gs1CheckDigit("03600029145")).toBe(2); // UPC-A 036000291452
  });

  it("gives 0 when the weighted sum is a multiple of 10", () => {
    expect(gs1CheckDigit("0000000000000")).toBe(0);
    expect(appendCheckDigit("690123456783")).toBe("6901234567830");
  });
});

describe("parseGtin: valid", () => {
  it.each([
    ["6901234567892", "06901234567892"],
    ["06901234567892", "06901234567892"],
    ["26901234567896", "26901234567896"],
    ["09506000134352", "09506000134352"],
    ["96385074", "00000096385074"],
    ["036000291452", "00036000291452"],
  ])("%s → %s", (input, gtin14) => {
    expect(parseGtin(input)).toEqual({ ok: true, value: gtin14 });
  });
});

describe("parseGtin: invalid", () => {
  it("names the expected check digit and its position", () => {
    expect(parseGtin("6901234567897")).toEqual({
      ok: false,
      error: {
        code: "bad_check_digit",
        message: "GTIN-13: bad check digit at position 13: expected 2, got 7",
        position: 13,
        expected: "2",
        got: "7",
      },
    });
    const r = parseGtin("09506000134357");
    expect(r.ok || r.error.expected).toBe("2");
  });

  it.each(["", "1234567", "123456789", "12345678901", "123456789012345"])(
    "rejects %j by its length",
    (input) => {
      const r = parseGtin(input);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe("bad_length");
    },
  );

  it("reports the first non-digit with its 1-based position", () => {
    const r = parseGtin("69012345A7892");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: "bad_character", position: 9, got: "A" });
  });

  it("does not accept full-width digits", () => {
    expect(isValidGtin("６901234567892")).toBe(false);
  });
});

describe("isGtin14", () => {
  it("narrows only 14-digit valid GTINs", () => {
    expect(isGtin14("06901234567892")).toBe(true);
    expect(isGtin14("6901234567892")).toBe(false);
    expect(isGtin14("06901234567891")).toBe(false);
  });
});

describe("properties", () => {
  const body = (n: number) =>
    fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: n, maxLength: n });
  const anyGtin = fc
    .constantFrom(7, 11, 12, 13)
    .chain(body)
    .map((b) => appendCheckDigit(b));

  it("every GTIN with its appended check digit is valid and pads to 14 digits", () => {
    fc.assert(
      fc.property(anyGtin, (gtin) => {
        const r = parseGtin(gtin);
        expect(r).toEqual({ ok: true, value: gtin.padStart(14, "0") });
      }),
    );
  });

  it("changing any one digit breaks the check", () => {
    fc.assert(
      fc.property(anyGtin, fc.nat(), fc.integer({ min: 1, max: 9 }), (gtin, at, delta) => {
        const i = at % gtin.length;
        const digit = (Number(gtin[i]) + delta) % 10;
        const changed = gtin.slice(0, i) + digit + gtin.slice(i + 1);
        expect(isValidGtin(changed)).toBe(false);
      }),
    );
  });
});
