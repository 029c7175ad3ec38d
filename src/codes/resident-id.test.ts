import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkResidentId, last4, type ResidentId, residentIdCheckCharacter } from "./resident-id";

function withCheck(first17: string): string {
  return first17 + residentIdCheckCharacter(first17);
}

const birthDate = fc
  .date({
    min: new Date("1900-01-01T00:00:00Z"),
    max: new Date("2024-12-31T00:00:00Z"),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString().slice(0, 10).replaceAll("-", ""));
const validId = fc
  .tuple(
    fc.constantFrom("110101", "330102", "331082", "440305", "650102", "810000"),
    birthDate,
    fc.stringMatching(/^\d{3}$/),
  )
  .map(([region, birth, sequence]) => withCheck(region + birth + sequence));

describe("checkResidentId: valid numbers", () => {
  it("accepts the reference example", () => {
    expect(residentIdCheckCharacter("36042619910101007")).toBe("1");
    expect(checkResidentId("360426199101010071")).toEqual({
      ok: true,
      value: "360426199101010071",
    });
  });

  it("accepts X as the check character, in either case", () => {
    const id = withCheck("11010519491231002");
    expect(id.endsWith("X")).toBe(true);
    expect(checkResidentId(id).ok).toBe(true);
    expect(checkResidentId(id.toLowerCase())).toEqual({ ok: true, value: id });
  });

  it("accepts 29 February in a leap year", () => {
    expect(checkResidentId(withCheck("33108220000229001")).ok).toBe(true);
  });

  it("shows only the last four characters", () => {
    const result = checkResidentId("360426199101010071");
    if (!result.ok) throw new Error(result.message);
    expect(last4(result.value)).toBe("0071");
    expect(last4("11010519491231002X" as ResidentId)).toBe("002X");
    expect(last4(" 11010519491231002x ")).toBe("002X");
  });
});

describe("checkResidentId: invalid numbers", () => {
  it("rejects a wrong check character with the expected one", () => {
    expect(checkResidentId("360426199101010072")).toMatchObject({
      ok: false,
      code: "bad_check_character",
      position: 18,
      expected: "1",
    });
  });

  it("rejects wrong lengths, and says why for 15-digit numbers", () => {
    expect(checkResidentId("36042619910101007")).toMatchObject({ code: "bad_length" });
    const old = checkResidentId("360426910101007");
    expect(old).toMatchObject({ code: "bad_length" });
    if (!old.ok) expect(old.message).toMatch(/15-digit/);
  });

  it("rejects non-digits, and X anywhere but last", () => {
    expect(checkResidentId("3604261991010100X1")).toMatchObject({
      code: "bad_character",
      position: 17,
    });
    expect(checkResidentId("36042619910101007Y")).toMatchObject({
      code: "bad_character",
      position: 18,
    });
  });

  it("rejects an unknown province", () => {
    expect(checkResidentId(withCheck("99042619910101007"))).toMatchObject({ code: "bad_region" });
    expect(checkResidentId(withCheck("00042619910101007"))).toMatchObject({ code: "bad_region" });
  });

  it.each([
    ["19910230", "30 February"],
    ["19900229", "29 February in a common year"],
    ["19001301", "month 13"],
    ["19910100", "day 0"],
    ["18991231", "before 1900"],
    ["19910431", "31 April"],
  ])("rejects birth date %s (%s)", (birth) => {
    expect(checkResidentId(withCheck(`360426${birth}007`))).toMatchObject({
      code: "bad_birth_date",
      position: 7,
    });
  });

  it("rejects a birth date after today when the clock is given", () => {
    const today = new Date("2025-06-01T00:00:00+08:00");
    expect(checkResidentId(withCheck("36042620250602007"), { today })).toMatchObject({
      code: "bad_birth_date",
    });
    expect(checkResidentId(withCheck("36042620250601007"), { today }).ok).toBe(true);
    expect(checkResidentId(withCheck("36042620250602007")).ok).toBe(true);
  });
});

describe("checkResidentId: properties", () => {
  it("accepts every number built with the check character", () => {
    fc.assert(
      fc.property(validId, (id) => {
        expect(checkResidentId(id).ok).toBe(true);
      }),
    );
  });

  it("detects every single-digit substitution", () => {
    fc.assert(
      fc.property(validId, fc.nat(16), fc.integer({ min: 0, max: 9 }), (id, i, d) => {
        fc.pre(id.charAt(i) !== String(d));
        const mutated = id.slice(0, i) + String(d) + id.slice(i + 1);
        expect(checkResidentId(mutated).ok).toBe(false);
      }),
    );
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\d{17}[\dXx]$/)), (s) => {
        expect(typeof checkResidentId(s).ok).toBe("boolean");
      }),
    );
  });
});
