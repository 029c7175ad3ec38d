// Error and result types shared by the code parsers: stable codes, positions, English messages.

export const CODE_ERROR_CODES = [
  "empty_input",
  "not_a_code",
  "bad_syntax",
  "bad_uri",
  "bad_scheme",
  "bad_host",
  "trailing_slash",
  "empty_value",
  "bad_percent_encoding",
  "unknown_ai",
  "bad_length",
  "value_too_short",
  "value_too_long",
  "bad_character",
  "forbidden_character",
  "bad_check_digit",
  "bad_date",
  "bad_time",
  "bad_value",
  "missing_primary_key",
  "bad_key_order",
  "bad_key_qualifier",
  "qualifier_in_query",
  "not_a_data_attribute",
  "duplicate_ai",
  "missing_required_ai",
  "invalid_ai_pair",
] as const;

/**
 * Why a code was rejected. Stable: clients and stored scan logs switch on it.
 * - `bad_length`: a bare GTIN or drug code with the wrong number of digits, or a GTIN in a Digital
 *   Link that is not written with 14 digits.
 * - `bad_scheme`: a URI whose scheme is not `http` or `https` in lower case.
 * - `bad_host`: a URI with no host, or a character that no host name may hold.
 * - `trailing_slash`: a Digital Link path ending in `/`, which GS1 URI syntax forbids.
 * - `empty_value`: an AI with nothing after it (`/01//…`, `?17=`).
 * - `forbidden_character`: legal GS1 but forbidden by GB/T 33993 (`% & / < > ?` in lot or serial).
 * - `bad_value`: a linter other than check digit, date or time failed (e.g. nonzero, winding).
 * - `bad_key_qualifier`: a path AI that the primary key does not accept, or mixed alternatives.
 * - `qualifier_in_query`: a key qualifier (e.g. 10 under 01) sent as a query parameter.
 */
export type CodeErrorCode = (typeof CODE_ERROR_CODES)[number];

export interface CodeError {
  readonly code: CodeErrorCode;
  readonly message: string;
  /** The Application Identifier concerned, when there is one. */
  readonly ai?: string;
  /** 1-based position of the offending character within the AI value (or the input). */
  readonly position?: number;
  /** What was expected there: the correct check digit, a format such as "X..20", an AI list. */
  readonly expected?: string;
  /** What was found, when it helps (the wrong check digit, the bad character). */
  readonly got?: string;
}

export type CodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: CodeError };

export function ok<T>(value: T): CodeResult<T> {
  return { ok: true, value };
}

export function err<T = never>(error: CodeError): CodeResult<T> {
  return { ok: false, error };
}

interface ErrorDetails {
  readonly ai?: string;
  readonly position?: number;
  readonly expected?: string;
  readonly got?: string;
}

/**
 * Builds a CodeError whose message carries the details in one fixed shape, e.g.
 * "AI (01): bad check digit at position 14: expected 2, got 7".
 */
export function codeError(
  code: CodeErrorCode,
  what: string,
  details: ErrorDetails = {},
): CodeError {
  const { ai, position, expected, got } = details;
  let message = ai === undefined ? what : `AI (${ai}): ${what}`;
  if (position !== undefined) message += ` at position ${position}`;
  if (expected !== undefined && got !== undefined) message += `: expected ${expected}, got ${got}`;
  else if (expected !== undefined) message += `: expected ${expected}`;
  else if (got !== undefined) message += `: got ${got}`;
  const error: { -readonly [K in keyof CodeError]: CodeError[K] } = { code, message };
  if (ai !== undefined) error.ai = ai;
  if (position !== undefined) error.position = position;
  if (expected !== undefined) error.expected = expected;
  if (got !== undefined) error.got = got;
  return error;
}

/** A character as it can be shown in a message: space, control and non-ASCII ones as U+XXXX. */
export function showChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x21 || cp > 0x7e) return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return ch;
}
