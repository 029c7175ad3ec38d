// GTIN-8/12/13/14: GS1 mod-10 check digit, validation, and the 14-digit form the service stores.
import { type CodeResult, codeError, err, ok, showChar } from "./code-error";

/** A GTIN validated and left-padded to 14 digits; only parseGtin and parsers using it make one. */
export type Gtin14 = string & { readonly __brand: "Gtin14" };

const GTIN_LENGTHS: ReadonlySet<number> = new Set([8, 12, 13, 14]);
const ZERO = 48;

/** GS1 mod-10 check digit of `digits` (the data before it): weights 3,1,3,1… from the right. */
export function gs1CheckDigit(digits: string): number {
  let sum = 0;
  let weight = 3;
  for (let i = digits.length - 1; i >= 0; i--) {
    sum += (digits.charCodeAt(i) - ZERO) * weight;
    weight = 4 - weight;
  }
  return (10 - (sum % 10)) % 10;
}

/** `digits` followed by its GS1 check digit, e.g. for issuing new GTINs, SSCCs or GLNs. */
export function appendCheckDigit(digits: string): string {
  return digits + String(gs1CheckDigit(digits));
}

function firstNonDigit(value: string): number {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < ZERO || c > ZERO + 9) return i;
  }
  return -1;
}

/**
 * Validates a GTIN-8, -12, -13 or -14 and pads it to 14 digits. Errors say which digit is wrong
 * and, for a bad check digit, the digit expected.
 */
export function parseGtin(input: string): CodeResult<Gtin14> {
  const len = input.length;
  const bad = firstNonDigit(input);
  if (bad >= 0) {
    return err(
      codeError("bad_character", "GTIN: not a digit", {
        position: bad + 1,
        expected: "a digit",
        got: showChar(input.charAt(bad)),
      }),
    );
  }
  if (!GTIN_LENGTHS.has(len)) {
    return err(
      codeError("bad_length", "GTIN: wrong number of digits", {
        expected: "8, 12, 13 or 14 digits",
        got: String(len),
      }),
    );
  }
  const expected = gs1CheckDigit(input.slice(0, -1));
  const got = input.charCodeAt(len - 1) - ZERO;
  if (expected !== got) {
    return err(
      codeError("bad_check_digit", `GTIN-${len}: bad check digit`, {
        position: len,
        expected: String(expected),
        got: String(got),
      }),
    );
  }
  return ok(input.padStart(14, "0") as Gtin14);
}

export function isValidGtin(input: string): boolean {
  return parseGtin(input).ok;
}

/** Narrows a string known to be a valid 14-digit GTIN (e.g. one read back from the database). */
export function isGtin14(value: string): value is Gtin14 {
  return value.length === 14 && parseGtin(value).ok;
}
