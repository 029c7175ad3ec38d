// parseCode, the one entry point for any code a scanner or a person produces; formatting back.
import { type AiElement, aiEntry, type ValidateOptions, validateAiElements } from "./ai";
import { type CodeError, type CodeResult, codeError, err, ok } from "./code-error";
import {
  type DigitalLinkKey,
  type DigitalLinkParts,
  digitalLinkPath,
  formatDigitalLinkUri,
  orderQualifiers,
  type ParsedDigitalLink,
  parseDigitalLink,
  parseDigitalLinkPath,
  splitForDigitalLink,
} from "./digital-link";
import { decompressDigitalLinkSegment } from "./dl-compression";
import { type DrugCodeKey, parseDrugCode } from "./drug-code";
import {
  formatBracketed,
  formatRaw,
  GS,
  orderForSymbol,
  parseBracketed,
  parseRawElementString,
  splitSymbologyId,
} from "./element-string";
import { type Gtin14, parseGtin } from "./gtin";

/** How the code arrived; `raw-element-string` is scanner output (FNC1 as GS, maybe "]d2" first). */
export type InputForm =
  | "digital-link"
  | "compressed-digital-link"
  | "dl-path"
  | "element-string"
  | "raw-element-string"
  | "gtin"
  | "drug-code";

/** What a code identifies: a product (GTIN), a lot, one item, another GS1 key, a drug pack. */
export type IdentifierLevel = "product" | "lot" | "item" | "other-key" | "drug-code";

export interface Gs1Code extends DigitalLinkParts {
  readonly kind: "gs1";
  readonly level: Exclude<IdentifierLevel, "drug-code">;
  readonly form: InputForm;
  /** The symbology identifier the scanner sent, e.g. "]d2". */
  readonly symbologyId?: string;
  /**
   * Canonical Digital Link path, qualifiers in dlpkey order: "/01/{gtin}", "/01/{gtin}/10/{lot}",
   * and for an item "/01/{gtin}/21/{serial}" without lot or CPV (a serial is unique per GTIN).
   */
  readonly key: DigitalLinkKey;
  readonly gtin?: Gtin14;
  readonly lot?: string;
  readonly serial?: string;
}

export interface DrugCode {
  readonly kind: "drug-code";
  readonly level: "drug-code";
  readonly form: InputForm;
  readonly symbologyId?: string;
  readonly key: DrugCodeKey;
  readonly code: string;
  /** First 7 digits: the drug product. */
  readonly productPrefix: string;
  readonly legacy: boolean;
}

export type ParsedCode = Gs1Code | DrugCode;

/** A GS1 key with optional qualifiers and attributes, e.g. built by hand to print a label. */
export interface KeyAndAttributes {
  readonly primaryKey: AiElement;
  readonly qualifiers?: readonly AiElement[];
  readonly attributes?: Readonly<Record<string, string>>;
  readonly otherParams?: Readonly<Record<string, string>>;
}

/** The common case, a GTIN with lot and/or serial. */
export interface GtinIdentity {
  readonly gtin: Gtin14;
  readonly lot?: string;
  readonly serial?: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly otherParams?: Readonly<Record<string, string>>;
}

export type Gs1Input = Gs1Code | KeyAndAttributes | GtinIdentity;

export type ParseOptions = ValidateOptions;

/** Longer input is no code any scanner produces; refusing it keeps the hot path cheap. */
export const MAX_INPUT_LENGTH = 4096;

function toParts(input: Gs1Input): DigitalLinkParts {
  if ("primaryKey" in input) {
    return {
      primaryKey: input.primaryKey,
      qualifiers: orderQualifiers(input.primaryKey.ai, input.qualifiers ?? []),
      attributes: input.attributes ?? {},
      otherParams: input.otherParams ?? {},
    };
  }
  const qualifiers: AiElement[] = [];
  if (input.lot !== undefined) qualifiers.push({ ai: "10", value: input.lot });
  if (input.serial !== undefined) qualifiers.push({ ai: "21", value: input.serial });
  return {
    primaryKey: { ai: "01", value: input.gtin },
    qualifiers,
    attributes: input.attributes ?? {},
    otherParams: input.otherParams ?? {},
  };
}

function gs1Key(parts: DigitalLinkParts): DigitalLinkKey {
  const { primaryKey, qualifiers } = parts;
  // GS1 makes a serial unique per GTIN, so lot and CPV do not take part in an item's identity.
  const serial = primaryKey.ai === "01" ? qualifiers.find((q) => q.ai === "21") : undefined;
  return digitalLinkPath(primaryKey, serial ? [serial] : qualifiers);
}

/** The canonical key: a Digital Link path for GS1 codes, the code itself for a drug code. */
export function canonicalKey(code: DrugCode | DrugCodeKey): DrugCodeKey;
export function canonicalKey(code: Gs1Input): DigitalLinkKey;
export function canonicalKey(
  code: ParsedCode | KeyAndAttributes | GtinIdentity | DrugCodeKey,
): DigitalLinkKey | DrugCodeKey;
export function canonicalKey(
  code: ParsedCode | KeyAndAttributes | GtinIdentity | DrugCodeKey,
): DigitalLinkKey | DrugCodeKey {
  if ("kind" in code && code.kind === "drug-code") {
    return { kind: "drug-code", code: code.code, productPrefix: code.productPrefix };
  }
  return gs1Key(toParts(code as Gs1Input));
}

/** A Digital Link URI on `baseUrl`, e.g. formatDigitalLink({ gtin, lot }, "https://example.cn"). */
export function formatDigitalLink(code: Gs1Input, baseUrl: string): string {
  return formatDigitalLinkUri(toParts(code), baseUrl);
}

export interface ElementStringOptions {
  /** "bracketed" (default) for people, "raw" for a symbol: GS separators only where needed. */
  readonly form?: "bracketed" | "raw";
  /** Prepended to the raw form, e.g. "]d2". */
  readonly symbologyId?: string;
}

/** Element strings, predefined-length AIs first: "(01)06901234567892(17)261231(10)LOT1". */
export function formatElementString(code: Gs1Input, options: ElementStringOptions = {}): string {
  const parts = toParts(code);
  const elements = orderForSymbol([
    parts.primaryKey,
    ...parts.qualifiers,
    ...Object.entries(parts.attributes).map(([ai, value]) => ({ ai, value })),
  ]);
  return options.form === "raw"
    ? formatRaw(elements, options.symbologyId ?? "")
    : formatBracketed(elements);
}

function gs1Code(parts: DigitalLinkParts, form: InputForm, symbologyId?: string): Gs1Code {
  const { primaryKey, qualifiers } = parts;
  const qualifier = (ai: string): string | undefined => qualifiers.find((q) => q.ai === ai)?.value;
  const lot = qualifier("10");
  const serial = qualifier("21");
  const isGtin = primaryKey.ai === "01";
  const instance = serial !== undefined || qualifier("235") !== undefined;
  return {
    kind: "gs1",
    level: !isGtin ? "other-key" : instance ? "item" : lot !== undefined ? "lot" : "product",
    form,
    ...(symbologyId === undefined ? {} : { symbologyId }),
    key: gs1Key(parts),
    ...(isGtin ? { gtin: primaryKey.value as Gtin14 } : {}),
    ...(lot === undefined ? {} : { lot }),
    ...(serial === undefined ? {} : { serial }),
    primaryKey,
    qualifiers,
    attributes: parts.attributes,
    otherParams: parts.otherParams,
  };
}

function fromDigitalLink(
  result: CodeResult<ParsedDigitalLink>,
  form: InputForm,
  symbologyId?: string,
): CodeResult<ParsedCode> {
  if (!result.ok) return result;
  const { primaryKey, qualifiers, attributes, otherParams } = result.value;
  return ok(gs1Code({ primaryKey, qualifiers, attributes, otherParams }, form, symbologyId));
}

function fromElements(
  parsed: CodeResult<AiElement[]>,
  form: InputForm,
  options: ParseOptions,
  symbologyId?: string,
): CodeResult<ParsedCode> {
  if (!parsed.ok) return parsed;
  const bad = validateAiElements(parsed.value, options);
  if (bad) return err(bad);
  const split = splitForDigitalLink(parsed.value);
  return split.ok ? ok(gs1Code(split.value, form, symbologyId)) : split;
}

function fromGtin(digits: string, symbologyId?: string): CodeResult<ParsedCode> {
  const gtin = parseGtin(digits);
  if (!gtin.ok) return gtin;
  const parts = {
    primaryKey: { ai: "01", value: gtin.value },
    qualifiers: [],
    attributes: {},
    otherParams: {},
  };
  return ok(gs1Code(parts, "gtin", symbologyId));
}

function fromDrugCode(digits: string, symbologyId?: string): CodeResult<ParsedCode> {
  const drug = parseDrugCode(digits);
  if (!drug.ok) return drug;
  const { code, productPrefix, legacy } = drug.value;
  return ok({
    kind: "drug-code",
    level: "drug-code",
    form: "drug-code",
    ...(symbologyId === undefined ? {} : { symbologyId }),
    key: { kind: "drug-code", code, productPrefix },
    code,
    productPrefix,
    legacy,
  });
}

const notACode = (why: string): CodeResult<ParsedCode> => err(codeError("not_a_code", why));

const GTIN_LENGTHS: ReadonlySet<number> = new Set([8, 12, 13, 14]);
const HOST_AND_PATH = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?\/\S/;
const DIGITS_AND_SPACES = /^\d[\d ]*\d$/;

function startsWithPrimaryKey(text: string): boolean {
  for (let len = 2; len <= 4; len++) {
    if (aiEntry(text.slice(0, len))?.dlPrimaryKey) return true;
  }
  return false;
}

const COMPRESSED = /^(?:https?:\/\/[^/?#]+)?\/([A-Za-z0-9_-]+)(?:\?([^#]*))?(?:#.*)?$/;

/**
 * A compressed Digital Link (one base64url segment on any host), tried only when the text is no
 * uncompressed Digital Link because it has no primary key. Non-AI query parameters pass through.
 */
function compressedForm(
  text: string,
  error: CodeError,
  symbologyId?: string,
): CodeResult<ParsedCode> | null {
  if (error.code !== "missing_primary_key") return null;
  const m = COMPRESSED.exec(text);
  if (!m) return null;
  const parts = decompressDigitalLinkSegment(m[1] ?? "");
  if (!parts.ok) return null;
  const query = new URLSearchParams(m[2] ?? "");
  const otherParams: Record<string, string> = { ...parts.value.otherParams };
  for (const [k, v] of query) if (!/^\d+$/.test(k) && !(k in otherParams)) otherParams[k] = v;
  return ok(gs1Code({ ...parts.value, otherParams }, "compressed-digital-link", symbologyId));
}

/** Anything but symbology-flagged GS1 data; `rawAllowed` when no identifier rules raw data out. */
function parseText(
  text: string,
  options: ParseOptions,
  rawAllowed: boolean,
  symbologyId?: string,
): CodeResult<ParsedCode> {
  // Any scheme goes to the URI parser, so "HTTPS://…" or "ftp://…" gets a precise refusal.
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    const dl = parseDigitalLink(text, options);
    const compressed = dl.ok ? null : compressedForm(text, dl.error, symbologyId);
    return compressed ?? fromDigitalLink(dl, "digital-link", symbologyId);
  }
  if (text.startsWith("/")) {
    const dl = parseDigitalLinkPath(text, options);
    const compressed = dl.ok ? null : compressedForm(text, dl.error, symbologyId);
    return compressed ?? fromDigitalLink(dl, "dl-path", symbologyId);
  }
  if (text.startsWith("(")) {
    return fromElements(parseBracketed(text), "element-string", options, symbologyId);
  }
  // QR readers and people often drop the scheme: "id.gs1.org/01/…".
  if (HOST_AND_PATH.test(text)) {
    return fromDigitalLink(
      parseDigitalLink(`https://${text}`, options),
      "digital-link",
      symbologyId,
    );
  }
  // People copy the digits printed under a barcode with their spaces: "6 901234 567892".
  const digits = DIGITS_AND_SPACES.test(text) ? text.replaceAll(" ", "") : text;
  const allDigits = /^\d+$/.test(digits);
  if (allDigits && GTIN_LENGTHS.has(digits.length)) return fromGtin(digits, symbologyId);
  if (allDigits && digits.length === 20) {
    // 20 digits may also be raw GS1 data such as (01)…(10)xx; legacy drug codes start with 8.
    if (rawAllowed && !digits.startsWith("8")) {
      const raw = fromElements(parseRawElementString(digits), "raw-element-string", options);
      if (raw.ok) return raw;
    }
    return fromDrugCode(digits, symbologyId);
  }
  if (rawAllowed && (text.includes(GS) || startsWithPrimaryKey(text))) {
    return fromElements(parseRawElementString(text), "raw-element-string", options);
  }
  if (!rawAllowed && startsWithPrimaryKey(text)) {
    return notACode(`a ${symbologyId ?? ""} symbol carries plain text, not GS1 element strings`);
  }
  if (allDigits) {
    return notACode(
      "not a GTIN (8, 12, 13 or 14 digits), a drug traceability code (20 digits) or GS1 data",
    );
  }
  return notACode("not a GS1 Digital Link, GS1 element string, GTIN or drug traceability code");
}

/**
 * Reads any identifier form: Digital Link URI (any host) or bare path, bracketed or raw element
 * strings (FNC1 as GS, optional symbology identifier), a bare GTIN-8/12/13/14, or a 20-digit drug
 * traceability code. Never throws; bad input gives `{ ok: false, error }`.
 */
export function parseCode(input: string, options: ParseOptions = {}): CodeResult<ParsedCode> {
  if (typeof input !== "string") return notACode("not text");
  if (input.length > MAX_INPUT_LENGTH) {
    return notACode(`longer than ${MAX_INPUT_LENGTH} characters`);
  }
  const text = input.trim();
  if (text === "") return err(codeError("empty_input", "nothing to read"));
  const prefix = splitSymbologyId(text);
  if (!prefix) return parseText(text, options, true);
  if (prefix.content === "gs1") {
    return fromElements(
      parseRawElementString(prefix.data),
      "raw-element-string",
      options,
      prefix.id,
    );
  }
  if (prefix.content === "gtin") return fromGtin(prefix.data, prefix.id);
  return parseText(prefix.data, options, false, prefix.id);
}
