// Application Identifier rules: table look-ups, one value's syntax, GB/T 33993, AI pairings.

import { LINTERS } from "./ai-linters";
import { AI_TABLE, type AiComponent, type AiEntry } from "./ai-table.generated";
import { type CodeError, codeError, showChar } from "./code-error";

export type { AiComponent, AiEntry } from "./ai-table.generated";

/** One AI and its value, as found in an element string or a Digital Link. */
export interface AiElement {
  readonly ai: string;
  readonly value: string;
}

export interface ValidateOptions {
  /**
   * Apply GB/T 33993's ban on `% & / < > ?` in AI (10) and (21) values (default true). Turn it
   * off only for identifiers issued outside China, e.g. in EPCIS events from foreign partners.
   */
  readonly gbt33993?: boolean;
}

const AI_BY_CODE: ReadonlyMap<string, AiEntry> = new Map(AI_TABLE.map((e) => [e.ai, e]));

export function aiEntry(ai: string): AiEntry | undefined {
  return AI_BY_CODE.get(ai);
}

/** The AI at `offset` of a raw element string; AIs are prefix-free (the generator checks). */
export function aiAt(data: string, offset: number): AiEntry | undefined {
  for (let len = 2; len <= 4; len++) {
    const entry = AI_BY_CODE.get(data.slice(offset, offset + len));
    if (entry) return entry;
  }
  return undefined;
}

/** The value format the way GS1 writes it, e.g. "X..20" or "N13 [X..17]". */
export function aiFormat(entry: AiEntry): string {
  return entry.components
    .map((c) => {
      const body = `${c.type}${c.min === c.max ? c.max : `..${c.max}`}`;
      return c.optional ? `[${body}]` : body;
    })
    .join(" ");
}

/** Length of a predefined-length AI's value, or undefined when the value needs an FNC1 after it. */
export function fixedValueLength(entry: AiEntry): number | undefined {
  return entry.fnc1 ? undefined : entry.components.reduce((n, c) => n + c.max, 0);
}

// One 128-entry table per character set, built once: charset checks run on every scanned value.
function charTable(re: RegExp): Uint8Array {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) table[c] = re.test(String.fromCharCode(c)) ? 1 : 0;
  return table;
}

const CHARSET: Record<AiComponent["type"], { readonly table: Uint8Array; readonly name: string }> =
  {
    N: { table: charTable(/[0-9]/), name: "a digit" },
    X: { table: charTable(/[!"%-?A-Z_a-z]/), name: "a GS1 CSET 82 character" },
    Y: { table: charTable(/[#\-/0-9A-Z]/), name: "a GS1 CSET 39 character (# - / 0-9 A-Z)" },
    Z: { table: charTable(/[-0-9A-Z_a-z]/), name: "a base64url character" },
  };

function checkCharset(ai: string, c: AiComponent, part: string, start: number): CodeError | null {
  const { table, name } = CHARSET[c.type];
  // base64url may end in one or two "=" pads, only if the length is a multiple of 3 (GS1 cset64).
  const pads = c.type === "Z" ? (/={1,2}$/.exec(part)?.[0].length ?? 0) : 0;
  if (pads > 0 && part.length % 3 !== 0) {
    return codeError("bad_character", "bad base64url padding", {
      ai,
      position: start + part.length - pads + 1,
    });
  }
  for (let i = 0; i < part.length - pads; i++) {
    const code = part.charCodeAt(i);
    if (code >= 128 || table[code] !== 1) {
      return codeError("bad_character", "bad character", {
        ai,
        position: start + i + 1,
        expected: name,
        got: showChar(String.fromCodePoint(part.codePointAt(i) ?? code)),
      });
    }
  }
  return null;
}

function checkSyntax(entry: AiEntry, value: string): CodeError | null {
  const { ai, components } = entry;
  let min = 0;
  let max = 0;
  for (const c of components) {
    if (!c.optional) min += c.min;
    max += c.max;
  }
  const expected = aiFormat(entry);
  if (value.length > max) {
    return codeError("value_too_long", `value too long (${value.length} characters)`, {
      ai,
      position: max + 1,
      expected,
    });
  }
  if (value.length < min) {
    return codeError("value_too_short", `value too short (${value.length} characters)`, {
      ai,
      expected,
    });
  }
  let pos = 0;
  for (const c of components) {
    const remaining = value.length - pos;
    if (remaining === 0 && c.optional) break;
    if (remaining < c.min) {
      return codeError("value_too_short", `value too short (${value.length} characters)`, {
        ai,
        expected,
      });
    }
    const part = value.slice(pos, pos + (c.min === c.max ? c.max : remaining));
    const bad = checkCharset(ai, c, part, pos);
    if (bad) return bad;
    for (const name of c.linters) {
      const failure = LINTERS.get(name)?.(part);
      if (failure) {
        return codeError(failure.code, failure.what, {
          ai,
          position: pos + failure.offset + 1,
          ...(failure.expected === undefined ? {} : { expected: failure.expected }),
          ...(failure.got === undefined ? {} : { got: failure.got }),
        });
      }
    }
    pos += part.length;
  }
  return null;
}

const GB_FORBIDDEN = "%&/<>?";
const GB_LOT_SERIAL_AIS: ReadonlySet<string> = new Set(["10", "21"]);

/**
 * GB/T 33993 (商品二维码) forbids `% & / < > ?` in batch/lot (10) and serial (21) values. They are
 * legal GS1 CSET 82, so this is a separate check from the GS1 syntax.
 */
export function checkGbt33993(ai: string, value: string): CodeError | null {
  if (!GB_LOT_SERIAL_AIS.has(ai)) return null;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    if (GB_FORBIDDEN.includes(ch)) {
      return codeError("forbidden_character", "character forbidden by GB/T 33993", {
        ai,
        position: i + 1,
        expected: "no % & / < > ?",
        got: showChar(ch),
      });
    }
  }
  return null;
}

/**
 * Validates one AI value: each component's type, length and character set, the dictionary's
 * linters (check digits, dates, …), then GB/T 33993 for lot and serial. Null when valid.
 */
export function validateAiValue(
  ai: string,
  value: string,
  options: ValidateOptions = {},
): CodeError | null {
  const entry = AI_BY_CODE.get(ai);
  if (!entry) return codeError("unknown_ai", `unknown Application Identifier (${ai})`, { ai });
  return (
    checkSyntax(entry, value) ?? (options.gbt33993 === false ? null : checkGbt33993(ai, value))
  );
}

function matches(pattern: string, ai: string): boolean {
  if (pattern.length !== ai.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern.charAt(i);
    const c = ai.charAt(i);
    if (p !== c && !(p === "n" && c >= "0" && c <= "9")) return false;
  }
  return true;
}

const showAlternative = (alt: readonly string[]): string => alt.map((a) => `(${a})`).join("+");

/**
 * The dictionary's pairing rules over every AI of one code: `req` (e.g. a lot needs a GTIN) and
 * `ex` (e.g. a GTIN never comes with a count of trade items).
 */
export function checkAiPairings(ais: readonly string[]): CodeError | null {
  const present = new Set(ais);
  const isPresent = (pattern: string): boolean => {
    if (!pattern.includes("n")) return present.has(pattern);
    for (const ai of present) if (matches(pattern, ai)) return true;
    return false;
  };
  for (const ai of present) {
    const entry = AI_BY_CODE.get(ai);
    if (!entry) continue;
    for (const pattern of entry.ex) {
      for (const other of present) {
        if (other !== ai && matches(pattern, other)) {
          return codeError("invalid_ai_pair", `cannot appear together with (${other})`, { ai });
        }
      }
    }
    for (const alternatives of entry.req) {
      if (!alternatives.some((alt) => alt.every(isPresent))) {
        const list = alternatives.map(showAlternative);
        const expected =
          list.length > 1 ? `${list.slice(0, -1).join(", ")} or ${list.at(-1)}` : (list[0] ?? "");
        return codeError("missing_required_ai", "needs another AI with it", { ai, expected });
      }
    }
  }
  return null;
}

/**
 * Validates every value of one code and the pairings between them. An AI may repeat only with the
 * same value (a label may carry it in two symbols); `repeats: false` forbids even that (as a
 * Digital Link does).
 */
export function validateAiElements(
  elements: readonly AiElement[],
  options: ValidateOptions & { readonly repeats?: boolean } = {},
): CodeError | null {
  const seen = new Map<string, string>();
  for (const { ai, value } of elements) {
    const previous = seen.get(ai);
    if (previous !== undefined) {
      if (previous !== value || options.repeats === false) {
        return codeError("duplicate_ai", "appears more than once", { ai });
      }
      continue;
    }
    seen.set(ai, value);
    const bad = validateAiValue(ai, value, options);
    if (bad) return bad;
  }
  return checkAiPairings([...seen.keys()]);
}
