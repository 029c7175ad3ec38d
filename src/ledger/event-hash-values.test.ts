// Value rules of the Event Hash ID: numbers, timestamps, vocabulary and sort order.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalNumber,
  canonicalTimestamp,
  canonicalValue,
  compareCodePoints,
  expandBareTerm,
  formatNumber,
} from "./event-hash-values";

describe("numbers", () => {
  it.each([
    ["1.0", "1"],
    ["+05", "5"],
    ["-0", "0"],
    ["0.3434000", "0.3434"],
    ["12.50", "12.5"],
    ["1e3", "1000"],
    ["0.0001", "0.0001"],
    ["0.00001", "1e-05"],
    ["1.5e-7", "1.5e-07"],
    ["1_000", "1000"],
    ["1e22", "10000000000000000000000"],
  ])("%s → %s", (input, expected) => {
    expect(canonicalNumber(input)).toBe(expected);
  });

  it("leaves non-numbers alone", () => {
    for (const text of ["abc", "1.2.3", "+01:00", "NaN", "inf", "1e999", "", "0x10"]) {
      expect(canonicalNumber(text)).toBeNull();
    }
  });

  it("writes every double so that it reads back as the same double, idempotently", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        const text = formatNumber(n);
        expect(Number(text)).toBe(n === 0 ? 0 : n);
        expect(canonicalNumber(text)).toBe(text);
      }),
    );
  });
});

describe("timestamps", () => {
  it.each([
    ["2020-03-04T11:00:30.000+01:00", "2020-03-04T10:00:30.000Z"],
    ["2020-04-01T15:00:00+01:00", "2020-04-01T14:00:00.000Z"],
    ["2005-04-03T20:33:31.116000-06:00", "2005-04-04T02:33:31.116Z"],
    ["2023-02-02T11:04:03.1415Z", "2023-02-02T11:04:03.142Z"],
    ["2023-02-02T11:04:03.1414Z", "2023-02-02T11:04:03.141Z"],
    ["2023-12-31T23:59:59.9996Z", "2024-01-01T00:00:00.000Z"],
    ["2024-02-29T00:30:00+05:30", "2024-02-28T19:00:00.000Z"],
  ])("%s → %s", (input, expected) => {
    expect(canonicalTimestamp(input)).toBe(expected);
  });

  it("leaves what is not a valid timestamp unchanged", () => {
    for (const text of ["2023-02-30T00:00:00Z", "yesterday", "2023-01-01T25:00:00Z"]) {
      expect(canonicalTimestamp(text)).toBe(text);
    }
  });

  it("gives one form for an instant whatever the offset it is written with", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("1970-01-02T00:00:00Z"),
          max: new Date("9998-12-31T00:00:00Z"),
          noInvalidDate: true,
        }),
        fc.integer({ min: -14 * 4, max: 14 * 4 }),
        (date, quarters) => {
          const offset = quarters * 15;
          const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, -1);
          const sign = offset < 0 ? "-" : "+";
          const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
          const mm = String(Math.abs(offset) % 60).padStart(2, "0");
          expect(canonicalTimestamp(`${local}${sign}${hh}:${mm}`)).toBe(date.toISOString());
        },
      ),
    );
  });
});

describe("vocabulary and identifiers", () => {
  it("expands bare CBV terms and converts CBV 1.x URNs to web URIs", () => {
    expect(expandBareTerm("in_transit", "Disp")).toBe("https://ref.gs1.org/cbv/Disp-in_transit");
    expect(expandBareTerm("Temperature", "gs1")).toBe("https://gs1.org/voc/Temperature");
    expect(expandBareTerm("https://example.com/step", "BizStep")).toBe("https://example.com/step");
    expect(canonicalValue("urn:epcglobal:cbv:bizstep:receiving")).toBe(
      "https://ref.gs1.org/cbv/BizStep-receiving",
    );
    expect(canonicalValue("urn:epc:id:sscc:4012345.0000000011")).toBe(
      "https://id.gs1.org/00/040123450000000115",
    );
  });

  it("sorts by code point, as UTF-8 bytes would", () => {
    const sorted = ["b", "a", "\u{1F600}", "\uFF21", "B", "é"].sort(compareCodePoints);
    expect(sorted).toEqual(["B", "a", "b", "é", "\uFF21", "\u{1F600}"]);
  });
});
