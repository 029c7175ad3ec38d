// Conversion between EPC URNs (GS1 EPC Tag Data Standard pure identities) and GS1 Digital Link URIs on id.gs1.org.

/** The canonical origin CBV 2.0 and the Digital Link standard use for GS1 identifiers. */
export const CANONICAL_DL_ORIGIN = "https://id.gs1.org";

/**
 * Company prefix length assumed when a Digital Link is turned into a URN and the caller does not
 * know it: the Digital Link does not carry it, only GS1's prefix registry does. 7 is the most
 * common length worldwide and that of GS1 China's 690/691 prefixes; 692/693 prefixes carry
 * 8-digit company prefixes (GB 12904), which the heuristic also recognises.
 */
export const DEFAULT_COMPANY_PREFIX_LENGTH = 7;

interface Element {
  ai: string;
  /** The value as the AI holds it: no percent-encoding, no URN escapes. */
  value: string;
}

interface KeyPath {
  key: Element;
  qualifiers: Element[];
}

// ---------------------------------------------------------------------------------------------
// Check digits and character sets

function checkDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    // Weights 3, 1, 3, … counted from the digit nearest the check digit.
    const weight = (body.length - i) % 2 === 1 ? 3 : 1;
    sum += Number(body.charAt(i)) * weight;
  }
  return String((10 - (sum % 10)) % 10);
}

function withCheckDigit(body: string): string {
  return body + checkDigit(body);
}

function hasCheckDigit(digits: string): boolean {
  return checkDigit(digits.slice(0, -1)) === digits.slice(-1);
}

const DIGITS = /^\d*$/;
/** GS1 AI encodable character set 82 (the `X` type of the syntax dictionary). */
const CSET82 = /^[!"%-?A-Z_a-z]*$/;
/** GS1 AI encodable character set 39 (the `Y` type: CPID values). */
const CSET39 = /^[#\-/0-9A-Z]*$/;

// ---------------------------------------------------------------------------------------------
// URN escaping (TDS: characters of the component that are not allowed in a URN are %-escaped)

/** Characters of CSET 82 that TDS requires to be escaped in a URN component. */
const URN_ESCAPED = new Set(['"', "%", "&", "/", "<", ">", "?"]);
/** CPI components (CSET 39) escape # and /. */
const URN_ESCAPED_CPI = new Set(["#", "/"]);
const URN_RAW_CHAR = /^[A-Za-z0-9\-._!'()*+,:;=]$/;

function hex(c: string): string {
  return `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
}

function urnEscape(value: string, escaped: ReadonlySet<string> = URN_ESCAPED): string {
  let out = "";
  for (const c of value) out += escaped.has(c) ? hex(c) : c;
  return out;
}

/** Decodes a URN component; null when it holds a character a URN may not carry raw. */
function urnUnescape(component: string, charset: RegExp): string | null {
  let out = "";
  for (let i = 0; i < component.length; i++) {
    const c = component.charAt(i);
    if (c === "%") {
      const code = component.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(code)) return null;
      out += String.fromCharCode(Number.parseInt(code, 16));
      i += 2;
    } else if (URN_RAW_CHAR.test(c)) {
      out += c;
    } else {
      return null;
    }
  }
  return charset.test(out) ? out : null;
}

// ---------------------------------------------------------------------------------------------
// Digital Link percent-encoding

/**
 * Everything but RFC 3986 unreserved characters is percent-encoded, with upper-case hex, as
 * GS1's own Syntax Engine writes canonical Digital Links; one spelling per value keeps event
 * hashes stable. (The Python reference of the event hash leaves ' ; = raw; no conformance
 * vector contains them.)
 */
function dlEncode(value: string): string {
  let out = "";
  for (const c of value) out += /^[A-Za-z0-9\-._~]$/.test(c) ? c : hex(c);
  return out;
}

function dlDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// What each GS1 key and qualifier may hold (gs1-syntax-dictionary.txt)

interface KeySpec {
  valid: (value: string) => boolean;
  /** Allowed qualifier sequences; each AI optional, order fixed. */
  qualifiers: readonly (readonly string[])[];
}

const digitsWithCheck = (length: number) => (v: string) =>
  v.length === length && DIGITS.test(v) && hasCheckDigit(v);
const text =
  (max: number, charset: RegExp = CSET82) =>
  (v: string) =>
    v.length >= 1 && v.length <= max && charset.test(v);

const KEYS: Record<string, KeySpec> = {
  "00": { valid: digitsWithCheck(18), qualifiers: [] },
  "01": { valid: digitsWithCheck(14), qualifiers: [["22", "10", "21"], ["235"]] },
  "253": {
    valid: (v) => digitsWithCheck(13)(v.slice(0, 13)) && v.length <= 30 && CSET82.test(v.slice(13)),
    qualifiers: [],
  },
  "255": {
    valid: (v) => digitsWithCheck(13)(v.slice(0, 13)) && v.length <= 25 && DIGITS.test(v),
    qualifiers: [],
  },
  "401": { valid: text(30), qualifiers: [] },
  "402": { valid: digitsWithCheck(17), qualifiers: [] },
  "414": { valid: digitsWithCheck(13), qualifiers: [["254"]] },
  "417": { valid: digitsWithCheck(13), qualifiers: [] },
  "8003": {
    valid: (v) =>
      v.startsWith("0") &&
      digitsWithCheck(13)(v.slice(1, 14)) &&
      v.length <= 30 &&
      CSET82.test(v.slice(14)),
    qualifiers: [],
  },
  "8004": { valid: text(30), qualifiers: [] },
  "8006": {
    valid: (v) => {
      if (v.length !== 18 || !DIGITS.test(v) || !hasCheckDigit(v.slice(0, 14))) return false;
      const piece = Number(v.slice(14, 16));
      const total = Number(v.slice(16, 18));
      return piece >= 1 && total >= 1 && piece <= total;
    },
    qualifiers: [["22", "10", "21"]],
  },
  "8010": { valid: text(30, CSET39), qualifiers: [["8011"]] },
  "8017": { valid: digitsWithCheck(18), qualifiers: [] },
  "8018": { valid: digitsWithCheck(18), qualifiers: [] },
};

const QUALIFIERS: Record<string, (value: string) => boolean> = {
  "10": text(20),
  "21": text(20),
  "22": text(20),
  "235": text(28),
  "254": text(20),
  "8011": (v) => /^(?:0|[1-9]\d{0,11})$/.test(v),
};

// The Digital Link 1.0 alphabetic names, deprecated since 1.2 but still found on old labels.
const SHORT_NAMES: Record<string, string> = {
  gtin: "01",
  itip: "8006",
  cpid: "8010",
  gln: "414",
  party: "417",
  gsrnp: "8017",
  gsrn: "8018",
  gcn: "255",
  sscc: "00",
  gdti: "253",
  ginc: "401",
  gsin: "402",
  grai: "8003",
  giai: "8004",
  cpv: "22",
  lot: "10",
  ser: "21",
};

function aiOf(segment: string): string {
  return SHORT_NAMES[segment] ?? segment;
}

// ---------------------------------------------------------------------------------------------
// Digital Link parsing and formatting

const WEB_URI = /^https?:\/\/[^/?#]+(\/[^?#]*)?(?:\?[^#]*)?(?:#.*)?$/i;

function parseQualifiers(keyAi: string, segments: readonly string[]): Element[] | null {
  const spec = KEYS[keyAi];
  if (!spec) return null;
  const pairs: Element[] = [];
  for (let i = 0; i < segments.length; i += 2) {
    const ai = aiOf(segments[i] ?? "");
    const value = dlDecode(segments[i + 1] ?? "");
    const valid = QUALIFIERS[ai];
    if (value === null || !valid || !valid(value)) return null;
    pairs.push({ ai, value });
  }
  const ais = pairs.map((p) => p.ai);
  const fits = spec.qualifiers.some((sequence) => {
    // The qualifiers present must appear in the sequence, in its order, each at most once.
    let at = 0;
    for (const ai of ais) {
      const found = sequence.indexOf(ai, at);
      if (found < 0) return false;
      at = found + 1;
    }
    return true;
  });
  return ais.length === 0 || fits ? pairs : null;
}

/**
 * Parses the GS1 part of a Digital Link on any host: the path after any prefix of the host's
 * own, primary key then key qualifiers. The query string (data attributes) and fragment are
 * not part of the identifier and are dropped.
 */
function parseDigitalLink(uri: string): KeyPath | null {
  const m = WEB_URI.exec(uri);
  if (!m) return null;
  const segments = (m[1] ?? "").split("/").slice(1);
  if (segments.at(-1) === "") segments.pop();
  for (let i = 0; i + 1 < segments.length; i++) {
    // Key and qualifiers come in AI/value pairs up to the end of the path.
    if ((segments.length - i) % 2 !== 0) continue;
    const ai = aiOf(segments[i] ?? "");
    const spec = KEYS[ai];
    if (!spec) continue;
    let value = dlDecode(segments[i + 1] ?? "");
    if (value === null) continue;
    // GTIN-8, -12 and -13 are written padded to 14 digits.
    if (ai === "01" && /^(?:\d{8}|\d{12}|\d{13})$/.test(value)) value = value.padStart(14, "0");
    if (!spec.valid(value)) continue;
    const qualifiers = parseQualifiers(ai, segments.slice(i + 2));
    if (qualifiers) return { key: { ai, value }, qualifiers };
  }
  return null;
}

function formatDigitalLink(path: KeyPath): string {
  let out = CANONICAL_DL_ORIGIN;
  for (const { ai, value } of [path.key, ...path.qualifiers]) {
    out += `/${ai}/${dlEncode(value)}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// URN → key path

type UrnParser = (body: string) => KeyPath | null;

/** Splits off `count` dot-separated fields; the remainder (which may hold dots) comes last. */
function fields(body: string, count: number): string[] | null {
  const out: string[] = [];
  let rest = body;
  for (let i = 0; i < count; i++) {
    const dot = rest.indexOf(".");
    if (dot < 0) return null;
    out.push(rest.slice(0, dot));
    rest = rest.slice(dot + 1);
  }
  out.push(rest);
  return out;
}

function isCompanyPrefix(cp: string): boolean {
  return cp.length >= 6 && cp.length <= 12 && DIGITS.test(cp);
}

/** Company prefix and a numeric reference that together fill `total` digits. */
function numericPair(cp: string, ref: string, total: number): boolean {
  return isCompanyPrefix(cp) && DIGITS.test(ref) && cp.length + ref.length === total;
}

/** GTIN-14 from company prefix and indicator-plus-item reference. */
function gtinOf(cp: string, indicatorItem: string): string | null {
  if (!numericPair(cp, indicatorItem, 13)) return null;
  return withCheckDigit(indicatorItem.charAt(0) + cp + indicatorItem.slice(1));
}

function element(ai: string, value: string): Element {
  return { ai, value };
}

function single(ai: string, value: string | null): KeyPath | null {
  return value === null ? null : { key: element(ai, value), qualifiers: [] };
}

/** sgtin, lgtin and upui: GTIN plus one qualifier. */
function gtinWith(ai: string, max: number): UrnParser {
  return (body) => {
    const f = fields(body, 2);
    if (!f) return null;
    const [cp = "", item = "", raw = ""] = f;
    const gtin = gtinOf(cp, item);
    const value = urnUnescape(raw, CSET82);
    if (gtin === null || value === null || value.length < 1 || value.length > max) return null;
    return { key: element("01", gtin), qualifiers: [element(ai, value)] };
  };
}

/** Numeric company prefix + reference + check digit, then an optional serial of the given charset. */
function keyWithSerial(
  ai: string,
  referenceDigits: number,
  serialMax: number,
  serialCharset: RegExp,
  prefix = "",
): UrnParser {
  return (body) => {
    const f = fields(body, 2);
    if (!f) return null;
    const [cp = "", ref = "", raw = ""] = f;
    if (!numericPair(cp, ref, referenceDigits)) return null;
    const serial = urnUnescape(raw, serialCharset);
    if (serial === null || serial.length < 1 || serial.length > serialMax) return null;
    return single(ai, prefix + withCheckDigit(cp + ref) + serial);
  };
}

function numericKey(ai: string, digits: number, extensionFirst: boolean): UrnParser {
  return (body) => {
    const f = fields(body, 1);
    if (!f) return null;
    const [cp = "", ref = ""] = f;
    if (!numericPair(cp, ref, digits - 1)) return null;
    // SSCC: the extension digit is written first in the URN's reference but leads the key.
    const key = extensionFirst ? ref.charAt(0) + cp + ref.slice(1) : cp + ref;
    return single(ai, withCheckDigit(key));
  };
}

function alphanumericKey(ai: string): UrnParser {
  return (body) => {
    const f = fields(body, 1);
    if (!f) return null;
    const [cp = "", raw = ""] = f;
    const ref = urnUnescape(raw, CSET82);
    if (!isCompanyPrefix(cp) || ref === null || ref.length < 1 || cp.length + ref.length > 30) {
      return null;
    }
    return single(ai, cp + ref);
  };
}

const ID_SCHEMES: Record<string, UrnParser> = {
  sgtin: gtinWith("21", 20),
  upui: gtinWith("235", 28),
  sscc: numericKey("00", 18, true),
  gsrn: numericKey("8018", 18, false),
  gsrnp: numericKey("8017", 18, false),
  gsin: numericKey("402", 17, false),
  pgln: numericKey("417", 13, false),
  sgln: (body) => {
    const f = fields(body, 2);
    if (!f) return null;
    const [cp = "", ref = "", raw = ""] = f;
    const extension = urnUnescape(raw, CSET82);
    if (!numericPair(cp, ref, 12) || extension === null) return null;
    if (extension.length < 1 || extension.length > 20) return null;
    const gln = element("414", withCheckDigit(cp + ref));
    // Extension 0 is how TDS writes "no extension": the GLN itself.
    return { key: gln, qualifiers: extension === "0" ? [] : [element("254", extension)] };
  },
  grai: keyWithSerial("8003", 12, 16, CSET82, "0"),
  gdti: keyWithSerial("253", 12, 17, CSET82),
  sgcn: keyWithSerial("255", 12, 12, /^\d*$/),
  giai: alphanumericKey("8004"),
  ginc: alphanumericKey("401"),
  cpi: (body) => {
    const f = fields(body, 2);
    if (!f) return null;
    const [cp = "", raw = "", serial = ""] = f;
    const ref = urnUnescape(raw, CSET39);
    if (!isCompanyPrefix(cp) || ref === null || ref.length < 1 || cp.length + ref.length > 30) {
      return null;
    }
    if (!QUALIFIERS["8011"]?.(serial)) return null;
    return { key: element("8010", cp + ref), qualifiers: [element("8011", serial)] };
  },
  itip: (body) => {
    const f = fields(body, 4);
    if (!f) return null;
    const [cp = "", item = "", piece = "", total = "", raw = ""] = f;
    const gtin = gtinOf(cp, item);
    const serial = urnUnescape(raw, CSET82);
    if (gtin === null || serial === null || serial.length < 1 || serial.length > 20) return null;
    const key = element("8006", gtin + piece + total);
    if (!/^\d{2}$/.test(piece) || !/^\d{2}$/.test(total) || !KEYS["8006"]?.valid(key.value)) {
      return null;
    }
    return { key, qualifiers: [element("21", serial)] };
  },
};

// EPC Pattern URIs whose only wildcard is the serial denote a class: the key without serial.
const PATTERN_SCHEMES: Record<string, UrnParser> = {
  sgtin: (body) => {
    const [cp = "", item = ""] = body.split(".");
    return single("01", gtinOf(cp, item));
  },
  upui: (body) => PATTERN_SCHEMES.sgtin?.(body) ?? null,
  grai: (body) => {
    const [cp = "", ref = ""] = body.split(".");
    return single("8003", numericPair(cp, ref, 12) ? `0${withCheckDigit(cp + ref)}` : null);
  },
  gdti: (body) => {
    const [cp = "", ref = ""] = body.split(".");
    return single("253", numericPair(cp, ref, 12) ? withCheckDigit(cp + ref) : null);
  },
  sgcn: (body) => {
    const [cp = "", ref = ""] = body.split(".");
    return single("255", numericPair(cp, ref, 12) ? withCheckDigit(cp + ref) : null);
  },
  cpi: (body) => {
    const [cp = "", raw = ""] = body.split(".");
    const ref = urnUnescape(raw, CSET39);
    if (!isCompanyPrefix(cp) || ref === null || ref.length < 1 || cp.length + ref.length > 30) {
      return null;
    }
    return single("8010", cp + ref);
  },
  itip: (body) => {
    const [cp = "", item = "", piece = "", total = ""] = body.split(".");
    const gtin = gtinOf(cp, item);
    if (gtin === null || !/^\d{2}$/.test(piece) || !/^\d{2}$/.test(total)) return null;
    const value = gtin + piece + total;
    return KEYS["8006"]?.valid(value) ? single("8006", value) : null;
  },
};

const PATTERN_FIELDS: Record<string, number> = {
  sgtin: 3,
  upui: 3,
  grai: 3,
  gdti: 3,
  sgcn: 3,
  cpi: 3,
  itip: 5,
};

function parseUrn(urn: string): KeyPath | null {
  const m = /^urn:epc:(id|class|idpat):([a-z]+):(.+)$/.exec(urn);
  if (!m) return null;
  const [, kind = "", scheme = "", body = ""] = m;
  if (kind === "id") return ID_SCHEMES[scheme]?.(body) ?? null;
  if (kind === "class") return scheme === "lgtin" ? gtinWith("10", 20)(body) : null;
  // Only patterns that fix everything but the serial ("….*" as the last field) name a class.
  const parts = body.split(".");
  const count = PATTERN_FIELDS[scheme];
  if (count === undefined || parts.length !== count || parts.at(-1) !== "*") return null;
  if (parts.slice(0, -1).includes("*")) return null;
  return PATTERN_SCHEMES[scheme]?.(body) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Key path → URN

function guessCompanyPrefixLength(digits: string): number {
  const prefix = digits.slice(0, 3);
  return prefix === "692" || prefix === "693" ? 8 : DEFAULT_COMPANY_PREFIX_LENGTH;
}

function qualifier(path: KeyPath, ai: string): string | undefined {
  return path.qualifiers.find((q) => q.ai === ai)?.value;
}

function toUrn(path: KeyPath, explicitLength: number | undefined): string | null {
  const { ai, value } = path.key;
  // For keys led by an indicator or extension digit the company prefix starts at position 2.
  const offset = ai === "01" || ai === "00" || ai === "8006" || ai === "8003" ? 1 : 0;
  const cpl = explicitLength ?? guessCompanyPrefixLength(value.slice(offset));
  const cp = value.slice(offset, offset + cpl);
  if (!isCompanyPrefix(cp) || cp.length !== cpl) return null;
  const esc = (v: string) => urnEscape(v);

  switch (ai) {
    case "01": {
      const indicatorItem = value.charAt(0) + value.slice(1 + cpl, 13);
      const head = `${cp}.${indicatorItem}`;
      const serial = qualifier(path, "21");
      // A serial identifies the instance on its own, so a lot or CPV beside it adds nothing.
      if (serial !== undefined) return `urn:epc:id:sgtin:${head}.${esc(serial)}`;
      const tpx = qualifier(path, "235");
      if (tpx !== undefined) return `urn:epc:id:upui:${head}.${esc(tpx)}`;
      const lot = qualifier(path, "10");
      if (lot !== undefined) return `urn:epc:class:lgtin:${head}.${esc(lot)}`;
      // A CPV narrows the class to a variant that no EPC URI can name.
      if (qualifier(path, "22") !== undefined) return null;
      return `urn:epc:idpat:sgtin:${head}.*`;
    }
    case "8006": {
      const head = `${cp}.${value.charAt(0)}${value.slice(1 + cpl, 13)}.${value.slice(14, 16)}.${value.slice(16, 18)}`;
      const serial = qualifier(path, "21");
      if (serial !== undefined) return `urn:epc:id:itip:${head}.${esc(serial)}`;
      if (path.qualifiers.length > 0) return null;
      return `urn:epc:idpat:itip:${head}.*`;
    }
    case "00":
      return `urn:epc:id:sscc:${cp}.${value.charAt(0)}${value.slice(1 + cpl, 17)}`;
    case "414": {
      const extension = qualifier(path, "254") ?? "0";
      // A real extension "0" would read back as "no extension".
      if (path.qualifiers.length > 0 && extension === "0") return null;
      return `urn:epc:id:sgln:${cp}.${value.slice(cpl, 12)}.${esc(extension)}`;
    }
    case "417":
      return `urn:epc:id:pgln:${cp}.${value.slice(cpl, 12)}`;
    case "8018":
    case "8017":
      return `urn:epc:id:${ai === "8018" ? "gsrn" : "gsrnp"}:${cp}.${value.slice(cpl, 17)}`;
    case "402":
      return `urn:epc:id:gsin:${cp}.${value.slice(cpl, 16)}`;
    case "8003": {
      const head = `${cp}.${value.slice(1 + cpl, 13)}`;
      const serial = value.slice(14);
      return serial === ""
        ? `urn:epc:idpat:grai:${head}.*`
        : `urn:epc:id:grai:${head}.${esc(serial)}`;
    }
    case "253":
    case "255": {
      const scheme = ai === "253" ? "gdti" : "sgcn";
      const head = `${cp}.${value.slice(cpl, 12)}`;
      const serial = value.slice(13);
      return serial === ""
        ? `urn:epc:idpat:${scheme}:${head}.*`
        : `urn:epc:id:${scheme}:${head}.${esc(serial)}`;
    }
    case "8004":
    case "401": {
      const ref = value.slice(cpl);
      if (ref === "") return null;
      return `urn:epc:id:${ai === "8004" ? "giai" : "ginc"}:${cp}.${esc(ref)}`;
    }
    case "8010": {
      const ref = value.slice(cpl);
      if (ref === "") return null;
      const head = `${cp}.${urnEscape(ref, URN_ESCAPED_CPI)}`;
      const serial = qualifier(path, "8011");
      return serial === undefined
        ? `urn:epc:idpat:cpi:${head}.*`
        : `urn:epc:id:cpi:${head}.${serial}`;
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * The id.gs1.org Digital Link of a GS1 EPC URN: pure identities (`urn:epc:id:sgtin:…`),
 * the lot class (`urn:epc:class:lgtin:…`) and patterns that leave only the serial open
 * (`urn:epc:idpat:sgtin:….*`, as EPCIS uses for product classes). Check digits are computed.
 * Returns null for anything else (non-GS1 EPCs such as gid, other URIs, malformed URNs), so
 * that callers keep those as they are.
 */
export function urnToDigitalLink(urn: string): string | null {
  const path = parseUrn(urn);
  return path ? formatDigitalLink(path) : null;
}

/**
 * The EPC URN of a Digital Link on any host, or null when the link is not a valid GS1 Digital
 * Link or names something no EPC URI can (a CPV-only class, a lot of an ITIP, a GLN
 * extension of "0"). The company prefix length cannot be read from a Digital Link: pass it
 * when known (6-12), otherwise {@link DEFAULT_COMPANY_PREFIX_LENGTH} is assumed, or 8 for GS1
 * China 692/693 prefixes.
 */
export function digitalLinkToUrn(uri: string, companyPrefixLength?: number): string | null {
  if (
    companyPrefixLength !== undefined &&
    !(
      Number.isInteger(companyPrefixLength) &&
      companyPrefixLength >= 6 &&
      companyPrefixLength <= 12
    )
  ) {
    throw new RangeError(
      `company prefix length must be an integer from 6 to 12, got ${companyPrefixLength}`,
    );
  }
  const path = parseDigitalLink(uri);
  return path ? toUrn(path, companyPrefixLength) : null;
}

/**
 * The constrained canonical Digital Link of CBV 2.0's event hash for any GS1 identifier
 * (URN or Digital Link on any host): https://id.gs1.org, numeric AIs, GTINs padded to 14
 * digits, canonical percent-encoding, no query string, no CPV, and a lot dropped when a
 * serial is present. Any other URI comes back unchanged.
 */
export function normaliseEpc(uri: string): string {
  if (uri.startsWith("urn:epc:")) return urnToDigitalLink(uri) ?? uri;
  const path = parseDigitalLink(uri);
  if (!path) return uri;
  const hasSerial = path.qualifiers.some((q) => q.ai === "21");
  const qualifiers = path.qualifiers.filter((q) => q.ai !== "22" && !(q.ai === "10" && hasSerial));
  return formatDigitalLink({ key: path.key, qualifiers });
}
