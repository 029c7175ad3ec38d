import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkUscc,
  isUscc,
  USCC_ALPHABET,
  type Uscc,
  usccCheckCharacter,
  usccRegionCode,
} from "./uscc";

const VALID = [
  "91110000600037341L",
  "121200004013590816",
  "91310115MA1K3BTP2B",
  "9131012056010553X5",
  "91620105L015101280",
  "92340621MA2UK3PJXE",
  "911522010783762860",
  "91310115591693856A",
  "91310110666007217T",
  "914403001922038216",
  "N2330100MA0000001Y",
];

function valid(s: string): Uscc {
  const result = checkUscc(s);
  if (!result.ok) throw new Error(`${s}: ${result.message}`);
  return result.value;
}

const alphabetChar = fc.constantFrom(...USCC_ALPHABET.split(""));
const validUscc = fc
  .record({
    authority: fc.constantFrom(..."123456789ANY".split("")),
    category: alphabetChar,
    region: fc
      .tuple(fc.constantFrom("11", "33", "44", "65", "10"), fc.stringMatching(/^\d{4}$/))
      .map(([p, rest]) => p + rest),
    organisation: fc.array(alphabetChar, { minLength: 9, maxLength: 9 }).map((a) => a.join("")),
  })
  .map(({ authority, category, region, organisation }) => {
    const first17 = authority + category + region + organisation;
    return first17 + usccCheckCharacter(first17);
  });

describe("checkUscc: valid codes", () => {
  it.each(VALID)("accepts %s", (code) => {
    expect(checkUscc(code)).toEqual({ ok: true, value: code });
    expect(isUscc(code)).toBe(true);
  });

  it("accepts a check character of 0 (weighted sum divisible by 31)", () => {
    expect(usccCheckCharacter("91152201078376286")).toBe("0");
    expect(checkUscc("911522010783762860").ok).toBe(true);
  });

  it("normalises case and surrounding spaces", () => {
    expect(checkUscc(" 91310115ma1k3btp2b ")).toEqual({ ok: true, value: "91310115MA1K3BTP2B" });
    expect(isUscc(" 91310115ma1k3btp2b ")).toBe(false);
  });

  it("exposes the region code of the registering authority", () => {
    expect(usccRegionCode(valid("91110000600037341L"))).toBe("110000");
    expect(usccRegionCode(valid("92340621MA2UK3PJXE"))).toBe("340621");
    expect(usccRegionCode(valid("N2330100MA0000001Y"))).toBe("330100");
  });
});

describe("checkUscc: invalid codes", () => {
  it("rejects a wrong check character and says which one is expected", () => {
    expect(checkUscc("91110000600037341N")).toMatchObject({
      ok: false,
      code: "bad_check_character",
      position: 18,
      expected: "L",
    });
    expect(checkUscc("91110000600037342L")).toMatchObject({
      ok: false,
      code: "bad_check_character",
      expected: "P",
    });
  });

  it("reports a real pilot code that fails only the check as bad_check_character", () => {
    const result = checkUscc("91350100M0001TGQXM");
    expect(result).toMatchObject({ ok: false, code: "bad_check_character", expected: "1" });
    if (!result.ok) expect(result.message).toMatch(/check character/);
  });

  it("rejects a wrong length", () => {
    expect(checkUscc("12345")).toMatchObject({ ok: false, code: "bad_length" });
    expect(checkUscc("")).toMatchObject({ ok: false, code: "bad_length" });
    expect(checkUscc("91110000600037341L0")).toMatchObject({ ok: false, code: "bad_length" });
  });

  it("rejects characters outside the alphabet with their position", () => {
    expect(checkUscc("9111000060003IOZSV")).toMatchObject({
      ok: false,
      code: "bad_character",
      position: 14,
    });
    expect(checkUscc("91110000600037341-")).toMatchObject({ code: "bad_character", position: 18 });
  });

  it("rejects an unknown registration authority", () => {
    const first17 = "01110000600037341";
    expect(checkUscc(first17 + usccCheckCharacter(first17))).toMatchObject({
      code: "bad_character",
      position: 1,
    });
  });

  it("rejects a region part that is not a region code", () => {
    const letters = "9111A000600037341";
    expect(checkUscc(letters + usccCheckCharacter(letters))).toMatchObject({
      code: "bad_region",
      position: 5,
    });
    const noProvince = "91990000600037341";
    expect(checkUscc(noProvince + usccCheckCharacter(noProvince))).toMatchObject({
      code: "bad_region",
    });
  });

  it("reports the first fault: length before characters before region before check", () => {
    expect(checkUscc("9111000060003IOZS")).toMatchObject({ code: "bad_length" });
    expect(checkUscc("91AB000060003IOZSV")).toMatchObject({ code: "bad_character" });
    expect(checkUscc("91AB00006000373410")).toMatchObject({ code: "bad_region" });
  });
});

describe("checkUscc: properties", () => {
  it("accepts every code built with the check character", () => {
    fc.assert(
      fc.property(validUscc, (code) => {
        expect(checkUscc(code).ok).toBe(true);
      }),
    );
  });

  it("detects every single-character substitution", () => {
    fc.assert(
      fc.property(validUscc, fc.nat(17), alphabetChar, (code, i, c) => {
        fc.pre(code.charAt(i) !== c);
        const mutated = code.slice(0, i) + c + code.slice(i + 1);
        expect(checkUscc(mutated).ok).toBe(false);
      }),
    );
  });

  it("detects every swap of two different adjacent characters among the first 17", () => {
    fc.assert(
      fc.property(validUscc, fc.nat(15), (code, i) => {
        fc.pre(code.charAt(i) !== code.charAt(i + 1));
        const swapped = code.slice(0, i) + code.charAt(i + 1) + code.charAt(i) + code.slice(i + 2);
        expect(checkUscc(swapped).ok).toBe(false);
      }),
    );
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(typeof checkUscc(s).ok).toBe("boolean");
      }),
    );
  });
});
