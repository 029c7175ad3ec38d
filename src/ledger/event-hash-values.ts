// Value rules of the CBV 2.0 Event Hash ID: timestamps, numbers, CBV vocabulary and identifiers.

import { canonicalGs1Identifier } from "./epc-normalise";

const CBV = "https://ref.gs1.org/cbv/";
const GS1_VOC = "https://gs1.org/voc/";

/** Bare-string vocabulary of a field: the web URI prefix its JSON-LD context expands it with. */
export type Vocabulary = "BizStep" | "Disp" | "BTT" | "SDT" | "ER" | "Comp" | "gs1";

export function vocabularyPrefix(vocabulary: Vocabulary): string {
  return vocabulary === "gs1" ? GS1_VOC : `${CBV}${vocabulary}-`;
}

/**
 * JSON-LD carries CBV values as bare strings (`in_transit`). The EPCIS JSON schema allows only
 * the standard terms or an absolute URI there, so a value without a colon is a standard term.
 */
export function expandBareTerm(value: string, vocabulary: Vocabulary): string {
  return /^[A-Za-z0-9_.-]+$/.test(value) ? vocabularyPrefix(vocabulary) + value : value;
}

// CBV 1.x URNs of the vocabularies that have web URI equivalents in CBV 2.0.
const CBV_URNS: [string, string][] = [
  ["urn:epcglobal:cbv:bizstep:", `${CBV}BizStep-`],
  ["urn:epcglobal:cbv:disp:", `${CBV}Disp-`],
  ["urn:epcglobal:cbv:btt:", `${CBV}BTT-`],
  ["urn:epcglobal:cbv:sdt:", `${CBV}SDT-`],
  ["urn:epcglobal:cbv:er:", `${CBV}ER-`],
];

/**
 * The value pipeline applied to every non-timestamp value: CBV URNs → web URIs, numbers without
 * superfluous digits, GS1 identifiers → constrained canonical Digital Link.
 */
export function canonicalValue(text: string): string {
  let value = text;
  for (const [urn, web] of CBV_URNS) value = value.replaceAll(urn, web);
  value = canonicalNumber(value) ?? value;
  return canonicalGs1Identifier(value) ?? value;
}

// Decimal literal as Python's float() reads it (the reference implementation's notion of a number).
const DECIMAL =
  /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;

/**
 * A numeric string in its shortest form (`1.0` → `1`, `+05` → `5`, `0.00001` → `1e-05`), or null.
 * The layout is Python's repr of a float, so that hashes agree with the reference implementation.
 */
export function canonicalNumber(text: string): string | null {
  if (!DECIMAL.test(text)) return null;
  const n = Number(text.replaceAll("_", ""));
  if (!Number.isFinite(n)) return null;
  return formatNumber(n);
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return BigInt(n).toString();
  const [mantissa = "", exp = "0"] = Math.abs(n).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const e = Number(exp);
  const sign = n < 0 ? "-" : "";
  // Python writes exponents below -4 and from 16 up in scientific notation, with two digits at least.
  if (e < -4 || e >= 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : "";
    return `${sign}${digits[0]}${frac}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
  return `${sign}${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?$/;

/**
 * An xsd:dateTimeStamp in UTC with exactly three decimals, `Z` for the zero offset; the third
 * decimal is rounded up when the fourth is 5-9. Anything unparseable is returned unchanged.
 */
export function canonicalTimestamp(text: string): string {
  const m = TIMESTAMP.exec(text);
  if (!m) return text;
  const num = (i: number): number => Number(m[i] ?? "0");
  const [y, mo, d, h, mi, s] = [num(1), num(2), num(3), num(4), num(5), num(6)];
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  // Date silently rolls 2023-02-30 over to March; a calendar-invalid stamp is not a timestamp.
  const valid =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s &&
    num(10) <= 23 &&
    num(11) <= 59;
  if (!valid) return text;
  const fraction = (m[7] ?? "").padEnd(4, "0");
  const ms = Number(fraction.slice(0, 3)) + (Number(fraction[3]) >= 5 ? 1 : 0);
  const offset = (num(10) * 60 + num(11)) * 60_000 * (m[9] === "-" ? -1 : 1);
  const utc = new Date(date.getTime() + ms - offset);
  const year = utc.getUTCFullYear();
  return year >= 0 && year <= 9999 ? utc.toISOString() : text;
}

/** Whether a field holds a timestamp (the reference implementation's rule: its name says time). */
export function isTimeField(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.includes("time") && !lower.includes("offset");
}

/** Sort order of the pre-hash string: by Unicode code point, as UTF-8 byte order would give. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

// UTF-16 puts surrogates (code points above U+FFFF) before U+E000-U+FFFF; move them after.
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
