// One AI value against the syntax dictionary, GB/T 33993, and the req/ex pairing rules.
import { describe, expect, it } from "vitest";
import {
  aiAt,
  aiEntry,
  aiFormat,
  checkAiPairings,
  checkGbt33993,
  validateAiElements,
  validateAiValue,
} from "./ai";
import { checkCharacterPair } from "./ai-linters";

const codeOf = (ai: string, value: string) => validateAiValue(ai, value)?.code ?? "ok";

describe("look-ups", () => {
  it("finds AIs by code and at a position of a raw string", () => {
    expect(aiEntry("01")?.title).toBe("GTIN");
    expect(aiEntry("3103")?.title).toBe("NET WEIGHT (kg)");
    expect(aiEntry("3106")).toBeUndefined();
    expect(aiAt("xx3103000500", 2)?.ai).toBe("3103");
    expect(aiAt("235ABC", 0)?.ai).toBe("235");
    expect(aiAt("9999", 0)?.ai).toBe("99");
    expect(aiAt("0", 0)).toBeUndefined();
  });

  it("writes formats the way GS1 does", () => {
    const format = (ai: string) => aiFormat(aiEntry(ai)!);
    expect(format("10")).toBe("X..20");
    expect(format("253")).toBe("N13 [X..17]");
    expect(format("8003")).toBe("N1 N13 [X..16]");
  });
});

describe("type, length and character set", () => {
  it("reports an unknown AI", () => {
    expect(validateAiValue("06", "1")).toMatchObject({ code: "unknown_ai", ai: "06" });
  });

  it("checks fixed lengths from both sides", () => {
    expect(codeOf("01", "09506000134352")).toBe("ok");
    expect(validateAiValue("01", "0950600013435")).toMatchObject({
      code: "value_too_short",
      expected: "N14",
    });
    expect(validateAiValue("01", "095060001343521")).toMatchObject({
      code: "value_too_long",
      position: 15,
    });
  });

  it("checks variable lengths from both sides", () => {
    expect(codeOf("10", "A")).toBe("ok");
    expect(codeOf("10", "A".repeat(20))).toBe("ok");
    expect(codeOf("10", "")).toBe("value_too_short");
    expect(validateAiValue("10", "A".repeat(21))).toMatchObject({
      code: "value_too_long",
      expected: "X..20",
      message: "AI (10): value too long (21 characters) at position 21: expected X..20",
    });
  });

  it("applies optional components only while data remains", () => {
    expect(codeOf("253", "4012345000054")).toBe("ok");
    expect(codeOf("253", "4012345000054987")).toBe("ok");
    expect(codeOf("8008", "26123110")).toBe("ok"); // YYMMDD HH
    expect(codeOf("8008", "261231105")).toBe("value_too_short"); // half a minute
    expect(codeOf("4330", "001234-")).toBe("ok");
    expect(codeOf("4330", "001234+")).toBe("bad_value");
  });

  it("N takes digits only", () => {
    expect(validateAiValue("17", "26O231")).toMatchObject({
      code: "bad_character",
      position: 3,
      got: "O",
      expected: "a digit",
    });
  });

  it("X takes CSET 82 only", () => {
    const cset82 = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`;
    expect(cset82).toHaveLength(82);
    for (let i = 0; i < cset82.length; i += 30) {
      expect(validateAiValue("240", cset82.slice(i, i + 30))).toBeNull();
    }
    for (const ch of [" ", "#", "$", "@", "[", "\\", "^", "`", "{", "~", "中", "\u001d"]) {
      expect(validateAiValue("10", `AB${ch}`)).toMatchObject({
        code: "bad_character",
        position: 3,
      });
    }
    expect(validateAiValue("10", "AB中")?.got).toBe("U+4E2D");
  });

  it("Y takes CSET 39 only (AI 8010)", () => {
    expect(codeOf("8010", "0950600013#-/AZ")).toBe("ok");
    expect(validateAiValue("8010", "0950600013a")).toMatchObject({
      code: "bad_character",
      position: 11,
    });
  });

  it("Z takes base64url with correct padding (AI 8030)", () => {
    expect(codeOf("8030", "AZaz09-_")).toBe("ok");
    expect(codeOf("8030", "ABCDE=")).toBe("ok");
    expect(codeOf("8030", "ABCD=")).toBe("bad_character");
    expect(codeOf("8030", "AB+/")).toBe("bad_character");
  });
});

describe("linters", () => {
  it("csum: GS1 mod-10 check digit, with the expected digit", () => {
    expect(codeOf("00", "095060001234567892")).toBe("bad_check_digit");
    expect(codeOf("00", "040123450000003338")).toBe("ok");
    expect(validateAiValue("414", "4012345000116")).toMatchObject({
      code: "bad_check_digit",
      position: 13,
      expected: "5",
      got: "6",
    });
  });

  it("csumalpha: the GMN check character pair (GS1 reference vectors)", () => {
    for (const gmn of [
      "1987654Ad4X4bL5ttr2310c2K",
      "12345678901234567890123NT",
      "7907665Bm8v2AB",
      "00000!HV",
    ]) {
      expect(codeOf("8013", gmn)).toBe("ok");
    }
    expect(validateAiValue("8013", "1987654Ad4X4bL5ttr2310cXK")).toMatchObject({
      code: "bad_check_digit",
      position: 24,
      expected: "2K",
      got: "XK",
    });
    expect(checkCharacterPair("12345_ABCDEFGHIJKLM")).toBe("CP");
    expect(codeOf("8013", "22")).toBe("bad_value"); // shorter than the 4-digit GS1 Company Prefix
  });

  it("yymmd0 accepts day 00, yymmdd does not", () => {
    expect(codeOf("17", "261200")).toBe("ok");
    expect(codeOf("7006", "261200")).toBe("bad_date");
    expect(codeOf("7006", "261231")).toBe("ok");
  });

  it("dates: months, month lengths and leap years", () => {
    expect(validateAiValue("17", "261331")).toMatchObject({
      code: "bad_date",
      position: 3,
      expected: "01-12",
      got: "13",
    });
    expect(codeOf("17", "260010")).toBe("bad_date");
    expect(validateAiValue("17", "260431")).toMatchObject({
      code: "bad_date",
      position: 5,
      expected: "00-30",
    });
    expect(codeOf("17", "240229")).toBe("ok");
    expect(codeOf("17", "000229")).toBe("ok");
    expect(codeOf("17", "250229")).toBe("bad_date");
    expect(codeOf("17", "260132")).toBe("bad_date");
    expect(codeOf("7250", "20000229")).toBe("ok");
    expect(codeOf("7250", "19000229")).toBe("bad_date");
  });

  it("times: hhmi, hh, mi, ss", () => {
    expect(codeOf("7003", "2612312359")).toBe("ok");
    expect(validateAiValue("7003", "2612312400")).toMatchObject({ code: "bad_time", position: 7 });
    expect(validateAiValue("7003", "2612312360")).toMatchObject({ code: "bad_time", position: 9 });
    expect(codeOf("8008", "261231235959")).toBe("ok");
    expect(validateAiValue("8008", "261231235960")).toMatchObject({
      code: "bad_time",
      position: 11,
    });
  });

  it("nonzero, zero, nozeroprefix, hasnondigit", () => {
    expect(codeOf("8001", "00000000000000")).toBe("bad_value");
    expect(codeOf("8001", "01000100010000")).toBe("ok");
    expect(codeOf("8003", "04012345000016")).toBe("ok");
    expect(codeOf("8003", "14012345000016")).toBe("bad_value");
    expect(codeOf("8011", "0123")).toBe("bad_value");
    expect(codeOf("8011", "123")).toBe("ok");
  });

  it("iso3166 / iso4217: numeric shape", () => {
    expect(codeOf("422", "156")).toBe("ok");
    expect(codeOf("423", "156840")).toBe("ok");
    expect(codeOf("423", "15684")).toBe("value_too_short");
    expect(codeOf("3910", "156123")).toBe("ok");
    expect(codeOf("4307", "CN")).toBe("ok");
    expect(codeOf("4307", "cn")).toBe("bad_value");
  });

  it("small code lists: yesno, winding, iso5218, mediatype, importeridx", () => {
    expect(codeOf("4321", "1")).toBe("ok");
    expect(codeOf("4321", "2")).toBe("bad_value");
    expect(codeOf("8001", "01000100010020")).toBe("bad_value");
    expect(codeOf("7252", "9")).toBe("ok");
    expect(codeOf("7252", "3")).toBe("bad_value");
    expect(codeOf("7241", "10")).toBe("ok");
    expect(codeOf("7241", "11")).toBe("bad_value");
    expect(codeOf("7040", "1A2-")).toBe("ok");
    expect(codeOf("7040", "1A2+")).toBe("bad_value");
  });

  it("pieceoftotal, posinseqslash, latitude/longitude", () => {
    expect(codeOf("8006", "095060001343520102")).toBe("ok");
    expect(codeOf("8006", "095060001343520302")).toBe("bad_value");
    expect(codeOf("8006", "095060001343520002")).toBe("bad_value");
    expect(codeOf("7258", "1/2")).toBe("ok");
    expect(codeOf("7258", "3/2")).toBe("bad_value");
    expect(codeOf("4309", "18000000003600000000")).toBe("ok");
    expect(codeOf("4309", "18000000013600000000")).toBe("bad_value");
  });

  it("iban and pcenc", () => {
    expect(codeOf("8007", "GB82WEST12345698765432")).toBe("ok");
    expect(codeOf("8007", "GB83WEST12345698765432")).toBe("bad_check_digit");
    expect(codeOf("4300", "ACME%20Ltd")).toBe("ok");
    expect(codeOf("4300", "100%")).toBe("bad_value");
  });
});

describe("GB/T 33993: % & / < > ? in lot and serial", () => {
  it.each(["%", "&", "/", "<", ">", "?"])("forbids %s in AI (10) and (21)", (ch) => {
    for (const ai of ["10", "21"]) {
      expect(validateAiValue(ai, `A${ch}B`)).toEqual({
        code: "forbidden_character",
        ai,
        position: 2,
        expected: "no % & / < > ?",
        got: ch,
        message: `AI (${ai}): character forbidden by GB/T 33993 at position 2: expected no % & / < > ?, got ${ch}`,
      });
    }
  });

  it("is separate from GS1 syntax: legal CSET 82, other AIs unaffected, can be turned off", () => {
    expect(checkGbt33993("22", "A/B")).toBeNull();
    expect(validateAiValue("240", "A/B")).toBeNull();
    expect(validateAiValue("21", "A/B", { gbt33993: false })).toBeNull();
    expect(validateAiValue("21", "AB-1.2_(x)")).toBeNull();
  });
});

describe("pairings (req / ex)", () => {
  it("req: a lot, date or serial needs a GTIN (or another listed key)", () => {
    expect(checkAiPairings(["01", "10", "17", "21"])).toBeNull();
    expect(checkAiPairings(["10"])).toMatchObject({
      code: "missing_required_ai",
      ai: "10",
      expected: "(01), (02), (03), (8006) or (8026)",
    });
    expect(checkAiPairings(["8006", "21"])).toBeNull();
  });

  it("req with + needs all of an alternative", () => {
    expect(checkAiPairings(["01", "7004"])?.code).toBe("missing_required_ai");
    expect(checkAiPairings(["01", "10", "7004"])).toBeNull();
  });

  it("ex, including digit patterns, but an AI never excludes itself", () => {
    expect(checkAiPairings(["01", "37"])).toMatchObject({ code: "invalid_ai_pair" });
    expect(checkAiPairings(["01", "3103"])).toBeNull();
    expect(checkAiPairings(["01", "3103", "3102"])?.code).toBe("invalid_ai_pair");
    expect(checkAiPairings(["01", "21", "235"])?.code).toBe("invalid_ai_pair");
  });
});

describe("validateAiElements", () => {
  it("allows an AI twice with the same value, not with another", () => {
    const gtin = { ai: "01", value: "09506000134352" };
    expect(validateAiElements([gtin, gtin])).toBeNull();
    expect(validateAiElements([gtin, gtin], { repeats: false })?.code).toBe("duplicate_ai");
    expect(validateAiElements([gtin, { ai: "01", value: "06901234567892" }])).toMatchObject({
      code: "duplicate_ai",
      ai: "01",
    });
  });

  it("reports value errors before pairing errors", () => {
    expect(validateAiElements([{ ai: "10", value: "A/B" }])?.code).toBe("forbidden_character");
  });
});
