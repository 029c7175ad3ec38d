// Unified Social Credit Code (统一社会信用代码, GB 32100-2015): the identifier on every seller's business licence.

/** An 18-character USCC whose shape, region part and check character have been verified. */
export type Uscc = string & { readonly __brand: "Uscc" };

export type UsccError = "bad_length" | "bad_character" | "bad_region" | "bad_check_character";

export type UsccCheck =
  | { ok: true; value: Uscc }
  | {
      ok: false;
      code: UsccError;
      message: string;
      /** 1-based position of the offending character. */
      position?: number;
      /** The check character the first 17 characters call for (bad_check_character only). */
      expected?: string;
    };

/** 31 characters: digits and capitals without I, O, S, V, Z; a character's value is its index. */
export const USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// 3^i mod 31 for positions 1-17.
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

// GB 32100 table 1: 1-9 are government registration authorities, A the CMC reform office,
// N agriculture (rural cooperatives), Y everything else.
const REGISTRATION_AUTHORITIES = "123456789ANY";

// Province-level prefixes of GB/T 2260, plus 10 for bodies registered with a central authority
// (e.g. 121000004000...): the region part is the registering authority's location.
const REGION_PROVINCES = new Set([
  "10",
  ...["11", "12", "13", "14", "15", "21", "22", "23"],
  ...["31", "32", "33", "34", "35", "36", "37"],
  ...["41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54"],
  ...["61", "62", "63", "64", "65", "71", "81", "82"],
]);

/**
 * The check character for the first 17 characters. The outer `mod 31` matters: a weighted sum
 * divisible by 31 gives '0' (libraries that omit it reject every valid code ending in 0).
 */
export function usccCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_ALPHABET.indexOf(first17.charAt(i));
    if (value < 0) throw new RangeError(`not a USCC character at position ${i + 1}`);
    sum += value * (WEIGHTS[i] ?? 0);
  }
  return USCC_ALPHABET.charAt((31 - (sum % 31)) % 31);
}

/**
 * Validates a USCC. Faults are reported in the order length, characters, region, check
 * character, so `bad_check_character` means everything else is right: the caller may hold
 * such a code for a regulator's manual review (early pilot codes such as 91350100M0001TGQXM
 * are real yet fail the check).
 */
export function checkUscc(input: string): UsccCheck {
  // Codes are typed from paper licences: surrounding spaces and letter case carry no meaning.
  const s = input.trim().toUpperCase();
  if (s.length !== 18) {
    return {
      ok: false,
      code: "bad_length",
      message: `a USCC has 18 characters, got ${s.length}`,
    };
  }
  for (let i = 0; i < 18; i++) {
    const c = s.charAt(i);
    if (!USCC_ALPHABET.includes(c)) {
      return {
        ok: false,
        code: "bad_character",
        message: `character ${JSON.stringify(c)} at position ${i + 1} is not allowed (a USCC never contains I, O, S, V or Z)`,
        position: i + 1,
      };
    }
  }
  if (!REGISTRATION_AUTHORITIES.includes(s.charAt(0))) {
    return {
      ok: false,
      code: "bad_character",
      message: `position 1 (registration authority) must be one of 1-9, A, N, Y, got ${s.charAt(0)}`,
      position: 1,
    };
  }
  const region = s.slice(2, 8);
  const nonDigit = region.search(/\D/);
  if (nonDigit >= 0) {
    return {
      ok: false,
      code: "bad_region",
      message: `positions 3-8 hold a 6-digit region code, got ${JSON.stringify(region)}`,
      position: nonDigit + 3,
    };
  }
  if (!REGION_PROVINCES.has(region.slice(0, 2))) {
    return {
      ok: false,
      code: "bad_region",
      message: `region code ${region} does not start with a province code`,
      position: 3,
    };
  }
  const expected = usccCheckCharacter(s.slice(0, 17));
  if (s.charAt(17) !== expected) {
    return {
      ok: false,
      code: "bad_check_character",
      message: `check character is ${s.charAt(17)} but the first 17 characters call for ${expected}`,
      position: 18,
      expected,
    };
  }
  return { ok: true, value: s as Uscc };
}

export function isUscc(input: string): input is Uscc {
  const result = checkUscc(input);
  return result.ok && result.value === input;
}

/** The GB/T 2260 code of the registering authority (positions 3-8), e.g. "110000". */
export function usccRegionCode(uscc: Uscc): string {
  return uscc.slice(2, 8);
}
