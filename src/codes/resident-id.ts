// Resident identity card number (居民身份证号码, GB 11643-1999): validation of natural-person sellers' IDs.
// The number itself is never stored: callers keep a keyed hash (done elsewhere) and last4().

/** An 18-character resident ID number whose region part, birth date and check character are valid. */
export type ResidentId = string & { readonly __brand: "ResidentId" };

export type ResidentIdError =
  | "bad_length"
  | "bad_character"
  | "bad_region"
  | "bad_birth_date"
  | "bad_check_character";

export type ResidentIdCheck =
  | { ok: true; value: ResidentId }
  | {
      ok: false;
      code: ResidentIdError;
      message: string;
      /** 1-based position of the offending character. */
      position?: number;
      /** The check character the first 17 digits call for (bad_check_character only). */
      expected?: string;
    };

export interface ResidentIdOptions {
  /**
   * Today's date from the injected clock; when given, a birth date after it is rejected.
   * Pure code cannot read the clock itself.
   */
  today?: Date;
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARACTERS = "10X98765432";

// Province-level prefixes of GB/T 2260, plus 83 used by residence permits for Taiwan residents
// (港澳台居民居住证 numbers start 810000, 820000, 830000 and follow the same scheme).
const PROVINCES = new Set([
  ...["11", "12", "13", "14", "15", "21", "22", "23"],
  ...["31", "32", "33", "34", "35", "36", "37"],
  ...["41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54"],
  ...["61", "62", "63", "64", "65", "71", "81", "82", "83"],
]);

// No living holder was born before 1900; earlier years are typing errors.
const EARLIEST_BIRTH_YEAR = 1900;

export function residentIdCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    sum += Number(first17.charAt(i)) * (WEIGHTS[i] ?? 0);
  }
  return CHECK_CHARACTERS.charAt(sum % 11);
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

// Birth dates are calendar dates in China (UTC+8, no daylight saving), not UTC dates.
function chinaDate(instant: Date): number {
  const t = new Date(instant.getTime() + 8 * 3_600_000);
  return t.getUTCFullYear() * 10000 + (t.getUTCMonth() + 1) * 100 + t.getUTCDate();
}

/**
 * Validates an 18-character resident ID number: digits with a final check character
 * (0-9 or X), a region part whose province is known, a real birth date (positions 7-14),
 * and the ISO 7064 MOD 11-2 check character. The 15-digit first-generation numbers,
 * withdrawn in 2013, are rejected.
 */
export function checkResidentId(input: string, options: ResidentIdOptions = {}): ResidentIdCheck {
  // A lower-case x is the same check character; surrounding spaces come from copy and paste.
  const s = input.trim().toUpperCase();
  if (s.length !== 18) {
    return {
      ok: false,
      code: "bad_length",
      message:
        s.length === 15
          ? "15-digit first-generation ID numbers are no longer valid; the 18-character number is required"
          : `a resident ID number has 18 characters, got ${s.length}`,
    };
  }
  const bad = s.slice(0, 17).search(/\D/);
  if (bad >= 0) {
    return {
      ok: false,
      code: "bad_character",
      message: `positions 1-17 are digits, got ${JSON.stringify(s.charAt(bad))} at position ${bad + 1}`,
      position: bad + 1,
    };
  }
  if (!/[0-9X]/.test(s.charAt(17))) {
    return {
      ok: false,
      code: "bad_character",
      message: `position 18 is a digit or X, got ${JSON.stringify(s.charAt(17))}`,
      position: 18,
    };
  }
  if (!PROVINCES.has(s.slice(0, 2))) {
    return {
      ok: false,
      code: "bad_region",
      message: `region part ${s.slice(0, 6)} does not start with a province code`,
      position: 1,
    };
  }
  const year = Number(s.slice(6, 10));
  const month = Number(s.slice(10, 12));
  const day = Number(s.slice(12, 14));
  const birth = s.slice(6, 14);
  if (year < EARLIEST_BIRTH_YEAR || !isCalendarDate(year, month, day)) {
    return {
      ok: false,
      code: "bad_birth_date",
      message: `positions 7-14 are not a valid birth date: ${birth}`,
      position: 7,
    };
  }
  if (options.today && Number(birth) > chinaDate(options.today)) {
    return {
      ok: false,
      code: "bad_birth_date",
      message: `birth date ${birth} is in the future`,
      position: 7,
    };
  }
  const expected = residentIdCheckCharacter(s.slice(0, 17));
  if (s.charAt(17) !== expected) {
    return {
      ok: false,
      code: "bad_check_character",
      message: `check character is ${s.charAt(17)} but the first 17 digits call for ${expected}`,
      position: 18,
      expected,
    };
  }
  return { ok: true, value: s as ResidentId };
}

/**
 * The last four characters, the only part of the number that may be shown or stored in clear.
 * Takes the raw input too (normalised as checkResidentId does) so callers need not keep the
 * checked value around just for this.
 */
export function last4(id: ResidentId | string): string {
  return id.trim().toUpperCase().slice(-4);
}
