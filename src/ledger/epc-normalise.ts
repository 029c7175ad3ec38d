// Constrained canonical GS1 Digital Link form of identifiers, exactly as the CBV 2.0 Event Hash ID needs it.
//
// Kept private to the ledger on purpose: every stored Event Hash ID depends on this output, so it
// follows the reference implementation (RalphTro/epcis-event-hash-generator, dl_normaliser.py)
// rule for rule, including its limits (only the most fine-grained key level, no query string, no
// CPV, result checked against the allowed key forms), rather than a general-purpose URN parser.

const ORIGIN = "https://id.gs1.org";

/** GS1 mod-10 check digit over the digits given (weights 3,1,3,... from the right). */
export function gs1CheckDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(digits.length - 1 - i) - 48;
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return String((10 - (sum % 10)) % 10);
}

// One character of a GS1 AI encodable alphanumeric component in an EPC URI (TDS 2.0 section 6.2).
const X =
  "(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[!')(*+,.0-9:;=A-Za-z_-])";
// One character of a component/part reference (CPID) in an EPC URI.
const C = "(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])";

// Digital Link reserves these characters; EPC URIs may carry them unescaped.
function dlEscape(text: string): string {
  return text.replace(/[!()*+,:]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// Characters a constrained canonical DL accepts in an alphanumeric key or qualifier value.
const V = String.raw`[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]`;

function isCompanyPrefix(cp: string): boolean {
  return cp.length >= 6 && cp.length <= 12;
}

/** Company prefix followed by a reference making `total` digits together. */
function split(cp: string, ref: string, total: number): boolean {
  return isCompanyPrefix(cp) && cp.length + ref.length === total;
}

/** Company prefix followed by an alphanumeric reference of at most 30 characters together. */
function fitsThirty(cp: string, ref: string): boolean {
  return isCompanyPrefix(cp) && cp.length + countChars(ref) <= 30;
}

// GTIN-14 digits (without check digit) from company prefix + indicator-led item reference.
function gtinBody(cp: string, itemRef: string): string {
  return itemRef.slice(0, 1) + cp + itemRef.slice(1);
}

function withCheck(body: string): string {
  return body + gs1CheckDigit(body);
}

type UrnRule = [RegExp, (m: string[]) => string | null];

const re = (source: string): RegExp => new RegExp(`^${source}$`);

const URN_RULES: UrnRule[] = [
  [
    re(String.raw`urn:epc:id:sgtin:(\d+)\.(\d+)\.(${X}{1,20})`),
    ([, cp = "", ir = "", s = ""]) =>
      split(cp, ir, 13) && ir !== ""
        ? `/01/${withCheck(gtinBody(cp, ir))}/21/${dlEscape(s)}`
        : null,
  ],
  [
    re(String.raw`urn:epc:id:sscc:(\d+)\.(\d+)`),
    ([, cp = "", sr = ""]) =>
      split(cp, sr, 17) && sr.length >= 5
        ? `/00/${withCheck(sr.slice(0, 1) + cp + sr.slice(1))}`
        : null,
  ],
  [
    re(String.raw`urn:epc:id:sgln:(\d+)\.(\d*)\.(${X}{1,20})`),
    ([, cp = "", lr = "", ext = ""]) =>
      split(cp, lr, 12)
        ? `/414/${withCheck(cp + lr)}${ext === "0" ? "" : `/254/${dlEscape(ext)}`}`
        : null,
  ],
  [
    re(String.raw`urn:epc:id:grai:(\d+)\.(\d*)\.(${X}{1,16})`),
    ([, cp = "", at = "", s = ""]) =>
      split(cp, at, 12) ? `/8003/${withCheck(`0${cp}${at}`)}${dlEscape(s)}` : null,
  ],
  [
    re(String.raw`urn:epc:id:giai:(\d+)\.(${X}+)`),
    ([, cp = "", ar = ""]) => (fitsThirty(cp, ar) ? `/8004/${cp}${dlEscape(ar)}` : null),
  ],
  [
    re(String.raw`urn:epc:id:gsrn:(\d+)\.(\d+)`),
    ([, cp = "", sr = ""]) => (split(cp, sr, 17) ? `/8018/${withCheck(cp + sr)}` : null),
  ],
  [
    re(String.raw`urn:epc:id:gsrnp:(\d+)\.(\d+)`),
    ([, cp = "", sr = ""]) => (split(cp, sr, 17) ? `/8017/${withCheck(cp + sr)}` : null),
  ],
  [
    re(String.raw`urn:epc:id:gdti:(\d+)\.(\d*)\.(${X}{0,19})`),
    ([, cp = "", dt = "", s = ""]) =>
      split(cp, dt, 12) ? `/253/${withCheck(cp + dt)}${dlEscape(s)}` : null,
  ],
  [
    re(String.raw`urn:epc:id:cpi:(\d+)\.(${C}+)\.(\d{1,12})`),
    ([, cp = "", ref = "", s = ""]) =>
      fitsThirty(cp, ref) ? `/8010/${dlEscape(cp + ref)}/8011/${s}` : null,
  ],
  [
    re(String.raw`urn:epc:id:sgcn:(\d+)\.(\d*)\.(\d{1,12})`),
    ([, cp = "", cr = "", s = ""]) => (split(cp, cr, 12) ? `/255/${withCheck(cp + cr)}${s}` : null),
  ],
  [
    re(String.raw`urn:epc:id:ginc:(\d+)\.(${X}+)`),
    ([, cp = "", ref = ""]) => (fitsThirty(cp, ref) ? `/401/${cp}${dlEscape(ref)}` : null),
  ],
  [
    re(String.raw`urn:epc:id:gsin:(\d+)\.(\d+)`),
    ([, cp = "", sr = ""]) => (split(cp, sr, 16) ? `/402/${withCheck(cp + sr)}` : null),
  ],
  [
    re(String.raw`urn:epc:id:itip:(\d+)\.(\d+)\.(\d{2})\.(\d{2})\.(${X}{1,20})`),
    ([, cp = "", ir = "", piece = "", total = "", s = ""]) =>
      split(cp, ir, 13)
        ? `/8006/${withCheck(gtinBody(cp, ir))}${piece}${total}/21/${dlEscape(s)}`
        : null,
  ],
  [
    re(String.raw`urn:epc:id:upui:(\d+)\.(\d+)\.(${X}{1,28})`),
    ([, cp = "", ir = "", s = ""]) =>
      split(cp, ir, 13) ? `/01/${withCheck(gtinBody(cp, ir))}/235/${dlEscape(s)}` : null,
  ],
  [
    re(String.raw`urn:epc:id:pgln:(\d+)\.(\d*)`),
    ([, cp = "", pr = ""]) => (split(cp, pr, 12) ? `/417/${withCheck(cp + pr)}` : null),
  ],
  [
    re(String.raw`urn:epc:class:lgtin:(\d+)\.(\d+)\.(${X}{1,20})`),
    ([, cp = "", ir = "", lot = ""]) =>
      split(cp, ir, 13) ? `/01/${withCheck(gtinBody(cp, ir))}/10/${dlEscape(lot)}` : null,
  ],
  // EPC pattern URIs name a class of instances: the hash keeps the class key only.
  [
    re(String.raw`urn:epc:idpat:(sgtin|upui):(\d+)\.(\d+)\.\*`),
    ([, , cp = "", ir = ""]) => (split(cp, ir, 13) ? `/01/${withCheck(gtinBody(cp, ir))}` : null),
  ],
  [
    re(String.raw`urn:epc:idpat:grai:(\d+)\.(\d*)\.\*`),
    ([, cp = "", at = ""]) => (split(cp, at, 12) ? `/8003/${withCheck(`0${cp}${at}`)}` : null),
  ],
  [
    re(String.raw`urn:epc:idpat:gdti:(\d+)\.(\d*)\.\*`),
    ([, cp = "", dt = ""]) => (split(cp, dt, 12) ? `/253/${withCheck(cp + dt)}` : null),
  ],
  [
    re(String.raw`urn:epc:idpat:sgcn:(\d+)\.(\d*)\.\*`),
    ([, cp = "", cr = ""]) => (split(cp, cr, 12) ? `/255/${withCheck(cp + cr)}` : null),
  ],
  [
    re(String.raw`urn:epc:idpat:cpi:(\d+)\.(${C}+)\.\*`),
    ([, cp = "", ref = ""]) => (fitsThirty(cp, ref) ? `/8010/${dlEscape(cp + ref)}` : null),
  ],
  [
    re(String.raw`urn:epc:idpat:itip:(\d+)\.(\d+)\.(\d{2})\.(\d{2})\.\*`),
    ([, cp = "", ir = "", piece = "", total = ""]) =>
      split(cp, ir, 13) ? `/8006/${withCheck(gtinBody(cp, ir))}${piece}${total}` : null,
  ],
];

// A percent-escape counts as one character of the component it encodes.
function countChars(component: string): number {
  return component.replace(/%[0-9A-Fa-f]{2}/g, "_").length;
}

/** EPC URI, EPC class URI or EPC pattern URI → constrained canonical Digital Link, else null. */
export function epcUrnToDigitalLink(urn: string): string | null {
  for (const [pattern, build] of URN_RULES) {
    const m = pattern.exec(urn);
    if (m) {
      const path = build([...m].map((g) => g ?? ""));
      return path === null ? null : ORIGIN + path;
    }
  }
  return null;
}

const PRIMARY_KEYS = "00|01|253|255|401|402|414|417|8003|8004|8006|8010|8017|8018";
const KEY_NAMES = "gtin|itip|cpid|gln|party|gsrnp|gsrn|gcn|sscc|gdti|ginc|gsin|grai|giai";
// A Digital Link on any host: a primary key segment whose value starts with four digits.
const LOOKS_LIKE_DL = new RegExp(
  String.raw`^https?:(?://[^/?#]*)?[^?#]*/(?:${PRIMARY_KEYS}|${KEY_NAMES})/\d{4}[^/]`,
);
const ON_CANONICAL_HOST = new RegExp(
  String.raw`^https://id\.gs1\.org/(?:${PRIMARY_KEYS})/\d{4}[^/]`,
);
// Short names of keys and qualifiers that Digital Link allows in place of AI numbers.
const SHORT_NAMES: [string, string][] = [
  ["gtin", "01"],
  ["itip", "8006"],
  ["cpid", "8010"],
  ["gln", "414"],
  ["party", "417"],
  ["gsrnp", "8017"],
  ["gsrn", "8018"],
  ["gcn", "255"],
  ["sscc", "00"],
  ["gdti", "253"],
  ["ginc", "401"],
  ["gsin", "402"],
  ["grai", "8003"],
  ["giai", "8004"],
  ["cpv", "22"],
  ["lot", "10"],
  ["ser", "21"],
];
// The key searched first wins when re-hosting a path, whatever its position (reference order).
const REHOST_ORDER = PRIMARY_KEYS.split("|");

const TRADE_ITEM = String.raw`^(https://id\.gs1\.org/(?:8006/\d{18}|01/\d{14}))`;
const CPV_LAST = new RegExp(`${TRADE_ITEM}/22/${V}{0,20}$`);
const CPV_INNER = new RegExp(`${TRADE_ITEM}/22/((?:${V}|/){0,20})$`);
const LOT_AND_SERIAL = new RegExp(`${TRADE_ITEM}/10/${V}{0,20}(/21/${V}{0,20})$`);

// The only shapes a constrained canonical Digital Link may take (most fine-grained level).
const ALLOWED = new RegExp(
  `^https://id\\.gs1\\.org/(?:${[
    String.raw`00/\d{18}`,
    String.raw`01/\d{14}(?:/21/${V}{0,20}|/10/${V}{0,20}|/235/${V}{0,28})?`,
    String.raw`253/\d{13}${V}{0,17}`,
    String.raw`255/\d{13}\d{0,12}`,
    `401/${V}{0,30}`,
    String.raw`402/\d{17}`,
    String.raw`414/\d{13}(?:/254/${V}{0,20})?`,
    String.raw`417/\d{13}`,
    String.raw`8003/\d{14}${V}{0,16}`,
    `8004/${V}{0,30}`,
    String.raw`8006/\d{18}(?:/21/${V}{0,20}|/10/${V}{0,20})?`,
    String.raw`8010/[#\-/0-9A-Z]{0,30}(?:/8011/\d{0,12})?`,
    String.raw`8017/\d{18}`,
    String.raw`8018/\d{18}`,
  ].join("|")})$`,
);

/** Digital Link on any host → constrained canonical form on https://id.gs1.org, else null. */
export function constrainDigitalLink(uri: string): string | null {
  if (!LOOKS_LIKE_DL.test(uri)) return null;
  let out = uri.split("?")[0] ?? uri;
  for (const [name, ai] of SHORT_NAMES) out = out.replaceAll(`/${name}/`, `/${ai}/`);
  if (!ON_CANONICAL_HOST.test(out)) {
    for (const key of REHOST_ORDER) {
      const at = out.indexOf(`/${key}/`);
      if (at >= 0) {
        out = ORIGIN + out.slice(at);
        break;
      }
    }
  }
  const gtin = /^https:\/\/id\.gs1\.org\/01\/(\d+)/.exec(out)?.[1];
  if (gtin !== undefined && gtin.length >= 8 && gtin.length < 14) {
    const pad = gtin.length === 13 ? "0" : gtin.length === 12 ? "00" : "000000";
    out = out.replace("/01/", `/01/${pad}`);
  }
  out = out
    .replace(CPV_LAST, "$1")
    .replace(CPV_INNER, (_, item: string, rest: string) => item + rest.slice(rest.indexOf("/")))
    .replace(LOT_AND_SERIAL, "$1$2");
  return ALLOWED.test(out) ? out : null;
}

/** Any GS1 identifier (EPC URN family or Digital Link) → constrained canonical DL, else null. */
export function canonicalGs1Identifier(value: string): string | null {
  if (!value.includes(".")) return null;
  return value.startsWith("urn:epc:") ? epcUrnToDigitalLink(value) : constrainDigitalLink(value);
}
