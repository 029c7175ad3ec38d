// GS1 Digital Link compression (Digital Link 1.1+, compressed URIs): AIs and values packed as bits, written base64url.
//
// The algorithm and its tables (Table F of value formats, Table P of AI lengths, Table Opt of
// AI sequences) follow GS1's reference implementation, gs1/GS1DigitalLinkCompressionPrototype
// (Apache-2.0, © GS1 AISBL); the value formats are derived from the project's AI table, with
// the few entries where GS1's Table F differs from today's dictionary taken from Table F.
import { type AiElement, aiEntry, validateAiElements } from "./ai";
import { AI_TABLE } from "./ai-table.generated";
import { type CodeResult, codeError, err, ok } from "./code-error";
import { type DigitalLinkParts, formatDigitalLinkUri, splitForDigitalLink } from "./digital-link";

/** One part of a value: N digits or X characters, of fixed length L or at most M. */
interface ValuePart {
  readonly e: "N" | "X";
  readonly fixed?: number;
  readonly max?: number;
}

const fixed = (e: "N" | "X", n: number): ValuePart => ({ e, fixed: n });
const upTo = (e: "N" | "X", n: number): ValuePart => ({ e, max: n });

/** GS1's Table F where it differs from the syntax dictionary (older formats, still the wire format). */
const TABLE_F_OVERRIDES: ReadonlyMap<string, readonly ValuePart[]> = new Map([
  ["235", [fixed("N", 3), upTo("X", 28)]],
  ["8007", [upTo("X", 24)]],
  ["8013", [upTo("X", 30)]],
  ...Array.from({ length: 10 }, (_, i): [string, ValuePart[]] => [`723${i}`, [upTo("X", 30)]]),
]);

/**
 * Table F for one AI: adjacent fixed-length parts of one kind merge (N1+N13 → N14), as do
 * adjacent optional or variable ones (N3+[N3]+[N3] → N..9); Y and Z are encoded as X.
 */
function derivedFormat(ai: string): readonly ValuePart[] | undefined {
  const override = TABLE_F_OVERRIDES.get(ai);
  if (override) return override;
  const entry = aiEntry(ai);
  if (!entry) return undefined;
  const parts: { e: "N" | "X"; fixed?: number; max?: number }[] = [];
  for (const c of entry.components) {
    const e = c.type === "N" ? "N" : "X";
    const isFixed = c.min === c.max && !c.optional;
    const last = parts.at(-1);
    if (last && last.e === e && isFixed && last.fixed !== undefined) last.fixed += c.max;
    else if (last && last.e === e && !isFixed && last.max !== undefined) last.max += c.max;
    else parts.push(isFixed ? { e, fixed: c.max } : { e, max: c.max });
  }
  return parts;
}

const TABLE_F: ReadonlyMap<string, readonly ValuePart[]> = new Map(
  AI_TABLE.flatMap((e) => {
    const f = derivedFormat(e.ai);
    return f ? [[e.ai, f] as const] : [];
  }),
);

/** Table P: how many digits an AI has, by its first two. */
const AI_LENGTH_BY_PREFIX: ReadonlyMap<string, number> = new Map(
  AI_TABLE.map((e) => [e.ai.slice(0, 2), e.ai.length] as const),
);

/** Table Opt: one hex pair standing for a common sequence of AIs (the pair is never 00-99). */
const TABLE_OPT: readonly (readonly [string, readonly string[]])[] = [
  ["0A", ["01", "22"]],
  ["0B", ["01", "10"]],
  ["0C", ["01", "21"]],
  ["0D", ["01", "17"]],
  ["0E", ["01", "7003"]],
  ["0F", ["01", "30"]],
  ["1A", ["01", "10", "21", "17"]],
  ["1B", ["01", "15"]],
  ["1C", ["01", "11"]],
  ["1D", ["01", "16"]],
  ["1E", ["01", "91"]],
  ["1F", ["01", "10", "15"]],
  ...[0, 1, 2, 3, 4, 5].map((i) => [`2${"ABCDEF"[i]}`, ["01", `310${i}`]] as const),
  ...[0, 1, 2, 3, 4, 5].map((i) => [`3${"ABCDEF"[i]}`, ["01", `320${i}`]] as const),
  ["9A", ["8010", "8011"]],
  ["9B", ["8017", "8019"]],
  ["9C", ["8018", "8019"]],
  ["9D", ["414", "254"]],
  ...Array.from({ length: 10 }, (_, i) => [`A${i}`, ["01", `392${i}`]] as const),
  ...Array.from({ length: 10 }, (_, i) => [`C${i}`, ["255", `390${i}`]] as const),
  ["CA", ["255", "3940"]],
  ["CB", ["255", "3941"]],
  ["CC", ["255", "3942"]],
  ["CD", ["255", "3943"]],
];
const OPT_BY_CODE: ReadonlyMap<string, readonly string[]> = new Map(TABLE_OPT);

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX = "0123456789ABCDEF";

// The reference computes bit counts in floating point; the same expressions give the same counts.
const lengthBits = (max: number): number => Math.ceil(Math.log(max) / Math.log(2) + 0.01);
const digitBits = (digits: number): number =>
  Math.ceil((digits * Math.log(10)) / Math.log(2) + 0.01);

const bits = (n: bigint | number, width: number): string => n.toString(2).padStart(width, "0");

/** Encodings of an alphanumeric value, by their 3-bit indicator. */
enum Enc {
  Digits = 0,
  HexLower = 1,
  HexUpper = 2,
  Base64url = 3,
  Ascii7 = 4,
}

function encodingOf(s: string): Enc {
  if (/^[0-9]+$/.test(s)) return Enc.Digits;
  if (/^[0-9A-F]+$/.test(s)) return Enc.HexUpper;
  if (/^[0-9a-f]+$/.test(s)) return Enc.HexLower;
  if (/^[A-Za-z0-9_-]+$/.test(s)) return Enc.Base64url;
  return Enc.Ascii7;
}

function perChar(s: string, width: number, alphabet: string | null): string {
  let out = "";
  for (const ch of s) out += bits(alphabet ? alphabet.indexOf(ch) : ch.charCodeAt(0), width);
  return out;
}

/** Indicator, then the length field (if any), then the characters in the smallest encoding. */
function encodeText(s: string, lengthField: string): string {
  const enc = encodingOf(s);
  const head = bits(enc, 3) + lengthField;
  switch (enc) {
    case Enc.Digits:
      return head + bits(BigInt(s), digitBits(s.length));
    case Enc.HexLower:
    case Enc.HexUpper:
      return head + perChar(s.toUpperCase(), 4, HEX);
    case Enc.Base64url:
      return head + perChar(s, 6, BASE64URL);
    default:
      return head + perChar(s, 7, null);
  }
}

function encodeValue(ai: string, value: string): string {
  let out = "";
  let at = 0;
  for (const part of TABLE_F.get(ai) ?? []) {
    const piece = part.fixed !== undefined ? value.slice(at, at + part.fixed) : value.slice(at);
    at += piece.length;
    if (part.e === "N" && part.fixed !== undefined) {
      out += bits(BigInt(piece || "0"), digitBits(part.fixed));
    } else if (part.e === "N") {
      const len = bits(piece.length, lengthBits(part.max ?? 1));
      out += len + (piece === "" ? "0" : bits(BigInt(piece), digitBits(piece.length)));
    } else {
      out += encodeText(
        piece,
        part.fixed !== undefined ? "" : bits(piece.length, lengthBits(part.max ?? 1)),
      );
    }
  }
  return out;
}

const aiBits = (code: string): string =>
  [...code].map((c) => bits(Number.parseInt(c, 16), 4)).join("");

/** Picks Table Opt sequences greedily, longest AI text first, as the reference encoder does. */
function chooseOptimisations(ais: string[]): string[] {
  const chosen: string[] = [];
  for (;;) {
    let best: string | null = null;
    let bestLength = 0;
    for (const [code, seq] of TABLE_OPT) {
      const length = seq.join("").length;
      if (seq.every((a) => ais.includes(a)) && length > bestLength) {
        best = code;
        bestLength = length;
      }
    }
    if (best === null) return chosen;
    chosen.push(best);
    for (const a of OPT_BY_CODE.get(best) ?? []) ais.splice(ais.indexOf(a), 1);
  }
}

function toBase64url(binary: string): string {
  const padded = binary.padEnd(Math.ceil(binary.length / 6) * 6, "0");
  let out = "";
  for (let i = 0; i < padded.length; i += 6)
    out += BASE64URL[Number.parseInt(padded.slice(i, i + 6), 2)];
  return out;
}

export interface CompressOptions {
  /** Use GS1's Table Opt codes for common AI sequences (default true: shorter). */
  readonly optimise?: boolean;
}

/** The compressed path segment (base64url) of a key, its qualifiers and its AI attributes. */
export function compressDigitalLinkSegment(
  parts: DigitalLinkParts,
  options: CompressOptions = {},
): string {
  const values = new Map<string, string>();
  for (const e of [parts.primaryKey, ...parts.qualifiers]) values.set(e.ai, e.value);
  for (const [ai, value] of Object.entries(parts.attributes)) {
    if (aiEntry(ai)?.dlDataAttribute) values.set(ai, value);
  }
  const remaining = [...values.keys()].sort();
  const optimisations = options.optimise === false ? [] : chooseOptimisations(remaining);
  let binary = "";
  for (const code of optimisations) {
    binary += aiBits(code);
    for (const ai of OPT_BY_CODE.get(code) ?? []) binary += encodeValue(ai, values.get(ai) ?? "");
  }
  for (const ai of remaining) binary += aiBits(ai) + encodeValue(ai, values.get(ai) ?? "");
  return toBase64url(binary);
}

/**
 * A compressed Digital Link on `baseUrl`: `https://example.cn/AQyNo0UVqCDOWcnrtvwLn-N5CzJG6aaag`.
 * Parameters that are not AIs (linkType, lang, …) stay an uncompressed query string.
 */
export function compressDigitalLink(
  parts: DigitalLinkParts,
  baseUrl: string,
  options: CompressOptions = {},
): string {
  const uncompressed = formatDigitalLinkUri({ ...parts, attributes: {} }, "");
  const q = uncompressed.indexOf("?");
  const query = q < 0 ? "" : uncompressed.slice(q);
  return `${baseUrl.replace(/\/+$/, "")}/${compressDigitalLinkSegment(parts, options)}${query}`;
}

class Reader {
  at = 0;
  constructor(readonly binary: string) {}
  take(n: number): string {
    if (this.at + n > this.binary.length) throw new RangeError("compressed data ends early");
    const s = this.binary.slice(this.at, this.at + n);
    this.at += n;
    return s;
  }
  int(n: number): number {
    return Number.parseInt(this.take(n), 2);
  }
  big(n: number): bigint {
    return BigInt(`0b${this.take(n)}`);
  }
}

function decodeText(r: Reader, enc: number, count: number): string {
  const chars = (width: number, alphabet: string | null): string => {
    let s = "";
    for (let i = 0; i < count; i++) {
      const index = r.int(width);
      const ch = alphabet ? alphabet[index] : String.fromCharCode(index);
      if (ch === undefined) throw new RangeError("character outside its alphabet");
      s += ch;
    }
    return s;
  };
  switch (enc) {
    // The reference drops leading zeros here (lot "0012" comes back "12"); the length is known,
    // so the digits are padded back to it.
    case Enc.Digits:
      return r.big(digitBits(count)).toString().padStart(count, "0");
    case Enc.HexLower:
      return chars(4, HEX).toLowerCase();
    case Enc.HexUpper:
      return chars(4, HEX);
    case Enc.Base64url:
      return chars(6, BASE64URL);
    case Enc.Ascii7:
      return chars(7, null);
    default:
      throw new RangeError(`unknown value encoding ${enc}`);
  }
}

function decodeValue(r: Reader, ai: string): string {
  const format = TABLE_F.get(ai);
  if (!format) throw new RangeError(`AI (${ai}) cannot be decompressed`);
  let value = "";
  for (const part of format) {
    if (part.e === "N" && part.fixed !== undefined) {
      value += r.big(digitBits(part.fixed)).toString().padStart(part.fixed, "0");
    } else if (part.e === "N") {
      const digits = r.int(lengthBits(part.max ?? 1));
      const n = r.big(digitBits(digits));
      value += digits === 0 ? "" : n.toString().padStart(digits, "0");
    } else {
      const enc = r.int(3);
      const count = part.fixed ?? r.int(lengthBits(part.max ?? 1));
      value += decodeText(r, enc, count);
    }
  }
  return value;
}

function decodeBinary(binary: string): { elements: AiElement[]; others: Record<string, string> } {
  const r = new Reader(binary);
  const elements: AiElement[] = [];
  const others: Record<string, string> = {};
  // Fewer than 9 bits left is the padding up to a whole base64 character.
  while (binary.length - r.at > 8) {
    const h1 = r.int(4);
    const h2 = r.int(4);
    const pair = HEX[h1]! + HEX[h2]!;
    if (h1 <= 9 && h2 <= 9) {
      const length = AI_LENGTH_BY_PREFIX.get(pair);
      if (length === undefined) throw new RangeError(`no AI starts with ${pair}`);
      let ai = pair;
      for (let i = 2; i < length; i++) {
        const d = r.int(4);
        if (d > 9) throw new RangeError(`AI ${ai}… is not all digits`);
        ai += String(d);
      }
      elements.push({ ai, value: decodeValue(r, ai) });
    } else if (OPT_BY_CODE.has(pair)) {
      for (const ai of OPT_BY_CODE.get(pair) ?? [])
        elements.push({ ai, value: decodeValue(r, ai) });
    } else if (h1 === 15) {
      // F: a parameter that is not an AI, with a 7-bit key length and a base64url key.
      r.at -= 4;
      const keyLength = r.int(7);
      let key = "";
      for (let i = 0; i < keyLength; i++) key += BASE64URL[r.int(6)] ?? "";
      const enc = r.int(3);
      const count = r.int(7);
      others[key] = decodeText(r, enc, count);
    } else {
      throw new RangeError(`no AI or optimisation has the code ${pair}`);
    }
  }
  return { elements, others };
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * Reads a compressed Digital Link path segment back into its key, qualifiers (hoisted into the
 * path as GS1's decompressor does) and attributes, all validated like any other input.
 */
export function decompressDigitalLinkSegment(segment: string): CodeResult<DigitalLinkParts> {
  if (!SEGMENT.test(segment)) {
    return err(codeError("bad_syntax", "a compressed Digital Link is written in base64url"));
  }
  let decoded: ReturnType<typeof decodeBinary>;
  try {
    decoded = decodeBinary(perChar(segment, 6, BASE64URL));
  } catch (e) {
    const why = e instanceof Error ? e.message : "unreadable";
    return err(codeError("bad_syntax", `not a compressed GS1 Digital Link: ${why}`));
  }
  if (decoded.elements.length === 0) {
    return err(codeError("missing_primary_key", "a compressed Digital Link with no AIs"));
  }
  const bad = validateAiElements(decoded.elements, { repeats: false, gbt33993: false });
  if (bad) return err(bad);
  const split = splitForDigitalLink(decoded.elements);
  if (!split.ok) return split;
  return ok({ ...split.value, otherParams: decoded.others });
}
