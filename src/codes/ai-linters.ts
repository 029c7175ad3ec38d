// The GS1 Barcode Syntax Tests ("linters") the dictionary names, as pure functions on a component.
import type { CodeErrorCode } from "./code-error";
import { gs1CheckDigit } from "./gtin";

/** A linter's complaint; `offset` is 0-based within the component it was given. */
export interface LintFailure {
  readonly code: CodeErrorCode;
  readonly what: string;
  readonly offset: number;
  readonly expected?: string;
  readonly got?: string;
}

/** Checks one component whose character set and length are already known to be right. */
export type Linter = (data: string) => LintFailure | null;

/**
 * Linters deliberately not run, with the reason. Each needs a code list or lookup service
 * that GS1 maintains outside the dictionary; none of them affects a key or a China label AI.
 */
export const SKIPPED_LINTERS: Readonly<Record<string, string>> = {
  couponcode: "North American coupon structure (AI 8110): not used in China",
  couponposoffer: "North American coupon structure (AI 8112): not used in China",
  packagetype: "UN/ECE Rec 21 package type code list (AI 7041): list not embedded",
};

const fail = (
  code: CodeErrorCode,
  what: string,
  offset: number,
  expected?: string,
  got?: string,
): LintFailure => ({
  code,
  what,
  offset,
  ...(expected === undefined ? {} : { expected }),
  ...(got === undefined ? {} : { got }),
});

const num = (s: string, from: number, len: number): number => Number(s.slice(from, from + len));
const two = (n: number): string => String(n).padStart(2, "0");

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function checkDate(
  leap: boolean,
  month: number,
  day: number,
  monthOffset: number,
  dayZeroAllowed: boolean,
): LintFailure | null {
  if (month < 1 || month > 12) {
    return fail("bad_date", "bad month in date", monthOffset, "01-12", two(month));
  }
  const maxDay = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] ?? 31);
  if ((day === 0 && !dayZeroAllowed) || day > maxDay) {
    const first = dayZeroAllowed ? "00" : "01";
    return fail("bad_date", "bad day in date", monthOffset + 2, `${first}-${maxDay}`, two(day));
  }
  return null;
}

// Two-digit years resolve to 19YY/20YY/21YY within ±50 years of today (GS1 GenSpecs 7.12). For any
// current year from 1951 to 2049, YY=00 means 2000, so "YY divisible by 4" is exactly the leap rule
// and no clock is needed.
const yymmdd =
  (dayZeroAllowed: boolean): Linter =>
  (d) =>
    checkDate(num(d, 0, 2) % 4 === 0, num(d, 2, 2), num(d, 4, 2), 2, dayZeroAllowed);

const yyyymmdd =
  (dayZeroAllowed: boolean): Linter =>
  (d) => {
    const year = num(d, 0, 4);
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    return checkDate(leap, num(d, 4, 2), num(d, 6, 2), 4, dayZeroAllowed);
  };

const upTo =
  (what: string, max: number): Linter =>
  (d) =>
    num(d, 0, 2) > max ? fail("bad_time", `bad ${what}`, 0, `00-${max}`, d.slice(0, 2)) : null;

const hh = upTo("hour", 23);
const mi = upTo("minute", 59);
const hhmi: Linter = (d) => {
  const bad = mi(d.slice(2));
  return hh(d) ?? (bad && { ...bad, offset: bad.offset + 2 });
};

const oneOf =
  (allowed: string, expected: string): Linter =>
  (d) =>
    d.length === 1 && allowed.includes(d) ? null : fail("bad_value", "bad value", 0, expected, d);

const csum: Linter = (d) => {
  const expected = gs1CheckDigit(d.slice(0, -1));
  const got = d.charAt(d.length - 1);
  return String(expected) === got
    ? null
    : fail("bad_check_digit", "bad check digit", d.length - 1, String(expected), got);
};

const CSET82_ORDER =
  "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const PRIMES: readonly number[] = (() => {
  const primes: number[] = [];
  for (let n = 2; primes.length < 100; n++) {
    if (primes.every((p) => n % p !== 0)) primes.push(n);
  }
  return primes;
})();

/** GS1 alphanumeric check character pair (GMN, AI 8013/8014): prime-weighted sum mod 1021. */
export function checkCharacterPair(data: string): string {
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    sum += CSET82_ORDER.indexOf(data.charAt(i)) * (PRIMES[data.length - 1 - i] ?? 0);
  }
  sum %= 1021;
  return CSET32.charAt(sum >> 5) + CSET32.charAt(sum & 31);
}

const csumalpha: Linter = (d) => {
  if (d.length < 2) return fail("bad_value", "too short for a check character pair", 0, "2+");
  const expected = checkCharacterPair(d.slice(0, -2));
  const got = d.slice(-2);
  return expected === got
    ? null
    : fail("bad_check_digit", "bad check character pair", d.length - 2, expected, got);
};

// Without GS1's allocation data a GS1 Company Prefix check can only require its minimum 4 digits.
const gcpAt =
  (start: number): Linter =>
  (d) => {
    for (let i = start; i < start + 4; i++) {
      const c = d.charAt(i);
      if (c < "0" || c > "9") {
        return fail("bad_value", "a GS1 Company Prefix must start with 4 digits", i, "a digit");
      }
    }
    return null;
  };

const shape =
  (re: RegExp, expected: string): Linter =>
  (d) =>
    re.test(d) ? null : fail("bad_value", "bad code", 0, expected, d);

const pieceOfTotal: Linter = (d) => {
  const half = d.length / 2;
  const piece = d.slice(0, half);
  const total = d.slice(half);
  if (/^0+$/.test(piece)) return fail("bad_value", "piece number is zero", 0);
  if (/^0+$/.test(total)) return fail("bad_value", "total number of pieces is zero", half);
  return piece > total ? fail("bad_value", "piece number exceeds the total", 0) : null;
};

const posInSeqSlash: Linter = (d) => {
  const m = /^([1-9]\d*)\/([1-9]\d*)$/.exec(d);
  if (!m) return fail("bad_value", "bad position in sequence", 0, "N/M");
  return Number(m[1]) > Number(m[2])
    ? fail("bad_value", "position exceeds the end of the sequence", 0)
    : null;
};

const IBAN_LENGTH = { min: 5, max: 34 };
const iban: Linter = (d) => {
  if (!/^[A-Z]{2}/.test(d))
    return fail("bad_value", "bad IBAN country code", 0, "ISO 3166 alpha-2");
  if (d.length < IBAN_LENGTH.min || d.length > IBAN_LENGTH.max) {
    return fail("bad_value", "bad IBAN length", 0, `${IBAN_LENGTH.min}-${IBAN_LENGTH.max}`);
  }
  const rearranged = d.slice(4) + d.slice(0, 4);
  let rest = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const v = Number.parseInt(rearranged.charAt(i), 36);
    if (Number.isNaN(v) || rearranged.charAt(i) !== rearranged.charAt(i).toUpperCase()) {
      return fail("bad_character", "bad IBAN character", (i + 4) % d.length, "0-9 or A-Z");
    }
    rest = (rest * (v < 10 ? 10 : 100) + v) % 97;
  }
  return rest === 1 ? null : fail("bad_check_digit", "bad IBAN check digits", 2);
};

const pcenc: Linter = (d) => {
  const at = d.search(/%(?![0-9A-Fa-f]{2})/);
  return at < 0 ? null : fail("bad_value", "bad percent-encoded sequence", at, "%XX");
};

const MEDIA_TYPES = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
for (let n = 80; n <= 99; n++) MEDIA_TYPES.add(n);

export const LINTERS: ReadonlyMap<string, Linter> = new Map<string, Linter>([
  ["csum", csum],
  ["csumalpha", csumalpha],
  ["gcppos1", gcpAt(0)],
  ["gcppos2", gcpAt(1)],
  ["yymmdd", yymmdd(false)],
  ["yymmd0", yymmdd(true)],
  ["yyyymmdd", yyyymmdd(false)],
  ["yyyymmd0", yyyymmdd(true)],
  ["hh", hh],
  ["mi", mi],
  ["ss", upTo("second", 59)],
  ["hhmi", hhmi],
  ["hhmm", hhmi],
  ["nonzero", (d) => (/^0*$/.test(d) ? fail("bad_value", "must not be zero", 0) : null)],
  ["zero", (d) => (/^0+$/.test(d) ? null : fail("bad_value", "must be zero", 0, "0"))],
  ["nozeroprefix", (d) => (d.startsWith("0") ? fail("bad_value", "leading zero", 0) : null)],
  ["hasnondigit", (d) => (/\D/.test(d) ? null : fail("bad_value", "needs a non-digit", 0))],
  ["yesno", oneOf("01", "0 or 1")],
  ["winding", oneOf("019", "0, 1 or 9")],
  ["iso5218", oneOf("0129", "0, 1, 2 or 9")],
  ["hyphen", (d) => (/^-+$/.test(d) ? null : fail("bad_value", "bad value", 0, "-", d))],
  // ISO 3166 and 4217 lists change; the shape is checked, membership is not.
  ["iso3166", shape(/^\d{3}$/, "ISO 3166 numeric code")],
  ["iso3166999", shape(/^\d{3}$/, "ISO 3166 numeric code or 999")],
  ["iso3166alpha2", shape(/^[A-Z]{2}$/, "ISO 3166 alpha-2 code")],
  ["iso4217", shape(/^\d{3}$/, "ISO 4217 numeric code")],
  ["importeridx", shape(/^[-0-9A-Za-z_]$/, "one of - 0-9 A-Z _ a-z")],
  [
    "mediatype",
    (d) => (MEDIA_TYPES.has(Number(d)) ? null : fail("bad_value", "bad media type", 0)),
  ],
  ["latitude", (d) => (Number(d) > 1800000000 ? fail("bad_value", "bad latitude", 0) : null)],
  ["longitude", (d) => (Number(d) > 3600000000 ? fail("bad_value", "bad longitude", 0) : null)],
  ["pieceoftotal", pieceOfTotal],
  ["posinseqslash", posInSeqSlash],
  ["iban", iban],
  ["pcenc", pcenc],
]);
