// GS1 element strings: bracketed "(01)…(10)…" text and raw scanner output (FNC1 as GS, "]d2" first).
import { type AiElement, aiAt, aiEntry, fixedValueLength } from "./ai";
import { type CodeResult, codeError, err, ok, showChar } from "./code-error";

/** ASCII 29, which scanners send for FNC1 as the separator after variable-length values. */
export const GS = "\u001d";

/** What follows a symbology identifier: GS1 element strings, a bare GTIN, or anything else. */
export type SymbologyContent = "gs1" | "gtin" | "plain";

export interface SymbologyPrefix {
  /** e.g. "]d2" */
  readonly id: string;
  readonly content: SymbologyContent;
  /** The scanned data after the identifier. */
  readonly data: string;
}

// ISO/IEC 15424 identifiers. Only the FNC1-in-first-position modes carry GS1 element strings: a
// ]Q1 or ]d1 symbol holding "0109506000134352…" is plain text that merely looks like one.
const SYMBOLOGY_CONTENT: Readonly<Record<string, SymbologyContent>> = {
  "]C1": "gs1", // GS1-128
  "]e0": "gs1", // GS1 DataBar
  "]d2": "gs1", // GS1 DataMatrix
  "]d5": "gs1", // GS1 DataMatrix with ECI
  "]Q3": "gs1", // GS1 QR Code
  "]Q4": "gs1", // GS1 QR Code with ECI
  "]J1": "gs1", // GS1 DotCode
  "]E0": "gtin", // EAN-13, UPC-A, UPC-E
  "]E4": "gtin", // EAN-8
};

/** Splits off a leading "]Xn" symbology identifier; null when the input has none. */
export function splitSymbologyId(input: string): SymbologyPrefix | null {
  if (input.length < 3 || input.charAt(0) !== "]") return null;
  const id = input.slice(0, 3);
  if (!/^\][A-Za-z][0-9A-Za-z]$/.test(id)) return null;
  return { id, content: SYMBOLOGY_CONTENT[id] ?? "plain", data: input.slice(3) };
}

const BRACKETED_AI = /^\((\d{2,4})\)/;

/**
 * Parses "(01)09506000134352(17)261231(10)ABC". A "(" inside a value is written "\(" (as GS1's
 * syntax engine does); an unescaped "(" that does not open "(digits)" is taken literally.
 * Values are split only; validateAiElements checks them.
 */
export function parseBracketed(input: string): CodeResult<AiElement[]> {
  const elements: AiElement[] = [];
  let i = 0;
  while (i < input.length) {
    const m = BRACKETED_AI.exec(input.slice(i, i + 6));
    if (!m) {
      return err(
        codeError("bad_syntax", "expected a bracketed AI such as (01)", {
          position: i + 1,
          got: showChar(input.charAt(i)),
        }),
      );
    }
    const ai = m[1] ?? "";
    if (!aiEntry(ai)) return err(codeError("unknown_ai", "unknown Application Identifier", { ai }));
    let j = i + m[0].length;
    let value = "";
    while (j < input.length) {
      const ch = input.charAt(j);
      if (ch === "\\" && input.charAt(j + 1) === "(") {
        value += "(";
        j += 2;
        continue;
      }
      if (ch === "(" && BRACKETED_AI.test(input.slice(j, j + 6))) break;
      value += ch;
      j++;
    }
    elements.push({ ai, value });
    i = j;
  }
  if (elements.length === 0) return err(codeError("bad_syntax", "no element strings"));
  return ok(elements);
}

/**
 * Parses raw element strings as a scanner sends them after the symbology identifier: AIs back to
 * back, a GS after each variable-length value unless it is last. Values are split only.
 */
export function parseRawElementString(data: string): CodeResult<AiElement[]> {
  const elements: AiElement[] = [];
  let i = 0;
  while (i < data.length) {
    if (data.charAt(i) === GS) {
      i++;
      continue;
    }
    const entry = aiAt(data, i);
    if (!entry) {
      const head = data.slice(i, i + 4);
      return err(
        /^\d{2}/.test(head)
          ? codeError("unknown_ai", "unknown Application Identifier", {
              position: i + 1,
              got: head,
            })
          : codeError("bad_syntax", "expected an Application Identifier", {
              position: i + 1,
              got: showChar(data.charAt(i)),
            }),
      );
    }
    i += entry.ai.length;
    const fixed = fixedValueLength(entry);
    let end = fixed === undefined ? data.indexOf(GS, i) : Math.min(i + fixed, data.length);
    if (end < 0) end = data.length;
    elements.push({ ai: entry.ai, value: data.slice(i, end) });
    i = end;
  }
  if (elements.length === 0) return err(codeError("bad_syntax", "no element strings"));
  return ok(elements);
}

export function formatBracketed(elements: readonly AiElement[]): string {
  return elements.map(({ ai, value }) => `(${ai})${value.replaceAll("(", "\\(")}`).join("");
}

/** Raw form with a GS only after variable-length values that are not last; `prefix` e.g. "]d2". */
export function formatRaw(elements: readonly AiElement[], prefix = ""): string {
  let out = prefix;
  elements.forEach(({ ai, value }, i) => {
    out += ai + value;
    if (i < elements.length - 1 && aiEntry(ai)?.fnc1 !== false) out += GS;
  });
  return out;
}

/** Predefined-length AIs first, as GS1 recommends, so the symbol needs the fewest separators. */
export function orderForSymbol(elements: readonly AiElement[]): AiElement[] {
  const fixed = elements.filter((e) => aiEntry(e.ai)?.fnc1 === false);
  const variable = elements.filter((e) => aiEntry(e.ai)?.fnc1 !== false);
  return [...fixed, ...variable];
}
