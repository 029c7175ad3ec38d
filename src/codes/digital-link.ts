// GS1 Digital Link URIs (syntax 1.6): any host and prefix, key-qualifier order, attributes, format.
import { type AiElement, aiEntry, type ValidateOptions, validateAiElements } from "./ai";
import { AI_TABLE } from "./ai-table.generated";
import { type CodeError, type CodeResult, codeError, err, ok, showChar } from "./code-error";

/** The canonical Digital Link path of an identifier, e.g. "/01/06901234567892/21/SN1". */
export type DigitalLinkKey = string & { readonly __brand: "DigitalLinkKey" };

export interface DigitalLinkParts {
  readonly primaryKey: AiElement;
  /** Key qualifiers in the order the dictionary's dlpkey attribute gives (e.g. 22, 10, 21). */
  readonly qualifiers: readonly AiElement[];
  /** Data attributes by AI, e.g. { "17": "261231", "3103": "000500" }. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Non-AI query parameters such as linkType, lang or context, percent-decoded. */
  readonly otherParams: Readonly<Record<string, string>>;
}

export interface ParsedDigitalLink extends DigitalLinkParts {
  /** Everything before the primary key: "https://example.cn/some/prefix", or "" for a bare path. */
  readonly stem: string;
}

type Sequences = readonly (readonly string[])[];

const PRIMARY_KEYS: ReadonlyMap<string, Sequences> = new Map(
  AI_TABLE.flatMap((e) => (e.dlPrimaryKey ? [[e.ai, e.dlPrimaryKey] as const] : [])),
);

/** The ordered qualifier sequences a Digital Link primary key accepts; undefined for other AIs. */
export function qualifierSequences(ai: string): Sequences | undefined {
  return PRIMARY_KEYS.get(ai);
}

/**
 * Convenience alphas of Digital Link 1.0/1.1, deprecated but still found on old labels: read as
 * their AIs (the canonical key is always numeric), never written.
 */
const CONVENIENCE_ALPHAS: ReadonlyMap<string, string> = new Map([
  ["cpid", "8010"],
  ["cpsn", "8011"],
  ["cpv", "22"],
  ["gcn", "255"],
  ["gdti", "253"],
  ["giai", "8004"],
  ["ginc", "401"],
  ["gln", "414"],
  ["glnx", "254"],
  ["gmn", "8013"],
  ["grai", "8003"],
  ["gsin", "402"],
  ["gsrn", "8018"],
  ["gsrnp", "8017"],
  ["gtin", "01"],
  ["itip", "8006"],
  ["lot", "10"],
  ["party", "417"],
  ["refno", "8020"],
  ["ser", "21"],
  ["srin", "8019"],
  ["sscc", "00"],
]);

/** The AI a path segment names: the segment itself, or the AI of a convenience alpha. */
function pathAi(segment: string): string {
  return CONVENIENCE_ALPHAS.get(segment) ?? segment;
}

const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;

function decodeComponent(raw: string, inQuery: boolean): string | null {
  const s = inQuery ? raw.replaceAll("+", " ") : raw;
  if (!s.includes("%")) return s;
  if (BAD_PERCENT.test(s)) return null;
  try {
    return decodeURIComponent(s);
  } catch {
    return null; // percent-escapes that are not UTF-8
  }
}

const UNRESERVED_ONLY = /^[A-Za-z0-9._~-]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Percent-encodes everything but RFC 3986 unreserved characters, as GS1's own encoder does. */
export function encodeComponent(value: string): string {
  if (UNRESERVED_ONLY.test(value)) return value;
  return encodeURIComponent(value.replace(LONE_SURROGATE, "\uFFFD")).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function isOrderedSubset(ais: readonly string[], sequence: readonly string[]): boolean {
  let last = -1;
  for (const ai of ais) {
    const at = sequence.indexOf(ai);
    if (at <= last) return false;
    last = at;
  }
  return true;
}

const listAis = (ais: readonly string[]): string => ais.map((a) => `(${a})`).join(", ");

function checkQualifiers(keyAi: string, sequences: Sequences, ais: string[]): CodeError | null {
  const dup = ais.find((ai, i) => ais.indexOf(ai) !== i);
  if (dup) return codeError("duplicate_ai", "appears more than once in the path", { ai: dup });
  if (sequences.some((s) => isOrderedSubset(ais, s))) return null;
  const allowed = [...new Set(sequences.flat())];
  const stranger = ais.find((ai) => !allowed.includes(ai));
  if (stranger) {
    return codeError("bad_key_qualifier", `not a key qualifier of (${keyAi})`, {
      ai: stranger,
      expected: allowed.length > 0 ? listAis(allowed) : "no qualifiers",
    });
  }
  const sequence = sequences.find((s) => ais.every((ai) => s.includes(ai)));
  if (!sequence) {
    return codeError("bad_key_qualifier", `key qualifiers of (${keyAi}) that exclude each other`, {
      got: listAis(ais),
    });
  }
  const misplaced = ais.find(
    (ai, i) => i > 0 && sequence.indexOf(ai) < sequence.indexOf(ais[i - 1] ?? ""),
  );
  return codeError("bad_key_order", "key qualifier out of order", {
    ai: misplaced ?? ais[0] ?? keyAi,
    expected: `/${keyAi}/…${sequence.map((q) => `/${q}/…`).join("")}`,
  });
}

/** Why no primary key could be found, for a path whose tail is not "/AI/value" pairs. */
function missingKey(segs: readonly string[]): CodeError {
  let k = -1;
  segs.forEach((s, i) => {
    if (PRIMARY_KEYS.has(pathAi(s))) k = i;
  });
  for (let j = k; k >= 0 && j < segs.length; j += 2) {
    const ai = pathAi(segs[j] ?? "");
    if (!aiEntry(ai)) {
      return /^\d+$/.test(ai)
        ? codeError("unknown_ai", "unknown Application Identifier in the path", { ai })
        : codeError("bad_syntax", "expected an AI in the path", { got: ai });
    }
    if (j + 1 >= segs.length) return codeError("bad_syntax", "no value in the path", { ai });
  }
  return codeError("missing_primary_key", "no GS1 primary key (such as /01/{gtin}) in the path");
}

interface QueryParts {
  readonly attributes: AiElement[];
  readonly otherParams: Record<string, string>;
}

/** Splits the query into AI data attributes and other parameters such as linkType. */
function parseQuery(
  query: string,
  keyAi: string,
  qualifierAis: readonly string[],
): CodeResult<QueryParts> {
  const sequences = PRIMARY_KEYS.get(keyAi) ?? [];
  const attributes: AiElement[] = [];
  const others = new Map<string, string>();
  for (const param of query.split("&")) {
    if (param === "") continue;
    const eq = param.indexOf("=");
    const name = eq < 0 ? param : param.slice(0, eq);
    const value = decodeComponent(eq < 0 ? "" : param.slice(eq + 1), true);
    if (eq < 0 || !/^\d+$/.test(name)) {
      const key = decodeComponent(name, true);
      if (key === null || value === null) {
        return err(codeError("bad_percent_encoding", "bad percent-encoding in the query string"));
      }
      if (!others.has(key)) others.set(key, value);
      continue;
    }
    const entry = aiEntry(name);
    const ai = { ai: name };
    if (!entry) return err(codeError("unknown_ai", "unknown AI in the query string", ai));
    if (value === "") return err(codeError("empty_value", "empty value in the query string", ai));
    if (value === null) return err(codeError("bad_percent_encoding", "bad percent-encoding", ai));
    if (sequences.some((s) => s.includes(name) && qualifierAis.every((q) => s.includes(q)))) {
      return err(codeError("qualifier_in_query", "key qualifier belongs in the path", ai));
    }
    if (!entry.dlDataAttribute) {
      return err(codeError("not_a_data_attribute", "not allowed as a Digital Link attribute", ai));
    }
    const badGtin = checkGtinLength({ ai: name, value });
    if (badGtin) return err(badGtin);
    attributes.push({ ai: name, value });
  }
  // fromEntries defines own properties, so a parameter named __proto__ stays a plain key.
  return ok({ attributes, otherParams: Object.fromEntries(others) });
}

/**
 * Index of the primary key among the path segments, or -1. Searched from the end, like GS1's
 * reference parser, so that any path prefix may come before the key.
 */
function findPrimaryKey(segs: readonly string[]): number {
  for (let i = segs.length - 2; i >= 0; i -= 2) {
    const entry = aiEntry(pathAi(segs[i] ?? ""));
    if (!entry) return -1;
    if (entry.dlPrimaryKey) return i;
  }
  return -1;
}

/**
 * GS1 URI syntax writes a GTIN with all 14 digits; a GTIN-8/12/13 must be padded with zeros.
 * (GS1's reference parser reads the short forms only behind a legacy option that is off by default.)
 */
function checkGtinLength(element: AiElement): CodeError | null {
  if (element.ai !== "01" || !/^\d+$/.test(element.value) || element.value.length === 14) {
    return null;
  }
  const short = [8, 12, 13].includes(element.value.length);
  const what = short
    ? "a GTIN in a Digital Link is written with 14 digits (pad a GTIN-8, -12 or -13 with leading zeros)"
    : "a GTIN in a Digital Link is written with 14 digits";
  return codeError("bad_length", what, {
    ai: "01",
    expected: "14 digits",
    got: `${element.value.length} digits`,
  });
}

function parsePathAndQuery(
  path: string,
  query: string,
  stemPrefix: string,
  options: ValidateOptions,
): CodeResult<ParsedDigitalLink> {
  const segs = path.split("/").slice(1);
  const trailingSlash = segs.length > 1 && segs.at(-1) === "";
  if (trailingSlash) segs.pop();
  const k = findPrimaryKey(segs);
  if (k < 0) return err(missingKey(segs));
  if (trailingSlash) {
    return err(codeError("trailing_slash", "a GS1 Digital Link path may not end with /"));
  }
  const keyAi = pathAi(segs[k] ?? "");
  const before = segs[k - 2];
  if (before !== undefined && PRIMARY_KEYS.get(keyAi)?.some((s) => s.includes(pathAi(before)))) {
    const what = `key qualifier written before its primary key (${keyAi})`;
    return err(codeError("bad_key_order", what, { ai: pathAi(before) }));
  }

  const pathElements: AiElement[] = [];
  for (let i = k; i < segs.length; i += 2) {
    const ai = pathAi(segs[i] ?? "");
    const raw = segs[i + 1] ?? "";
    if (raw === "") return err(codeError("empty_value", "empty value in the path", { ai }));
    const value = decodeComponent(raw, false);
    if (value === null)
      return err(codeError("bad_percent_encoding", "bad percent-encoding", { ai }));
    pathElements.push({ ai, value });
  }
  const [primaryKey = { ai: keyAi, value: "" }, ...qualifiers] = pathElements;
  const qualifierAis = qualifiers.map((q) => q.ai);
  const badPath = checkQualifiers(keyAi, PRIMARY_KEYS.get(keyAi) ?? [], qualifierAis);
  if (badPath) return err(badPath);
  const badGtin = checkGtinLength(primaryKey);
  if (badGtin) return err(badGtin);

  const queryParts = parseQuery(query, keyAi, qualifierAis);
  if (!queryParts.ok) return queryParts;
  const { attributes, otherParams } = queryParts.value;
  const bad = validateAiElements([primaryKey, ...qualifiers, ...attributes], {
    ...options,
    repeats: false,
  });
  if (bad) return err(bad);
  return ok({
    stem:
      stemPrefix +
      segs
        .slice(0, k)
        .map((s) => `/${s}`)
        .join(""),
    primaryKey,
    qualifiers,
    attributes: Object.fromEntries(attributes.map((a) => [a.ai, a.value])),
    otherParams,
  });
}

const URI = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/;

/** RFC 3986 characters (reserved, unreserved and %): anything else must be percent-encoded. */
const NOT_URI_CHAR = /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/;
/** URI characters that no host name, IPv4 or IPv6 literal holds (as GS1's parser checks). */
const NOT_HOST_CHAR = /[_~?#@!$&'()*+,;=%]/;

function illegalCharacter(text: string): CodeError | null {
  const m = NOT_URI_CHAR.exec(text);
  if (!m) return null;
  return codeError("bad_uri", "character not allowed in a URI (percent-encode it)", {
    position: m.index + 1,
    got: showChar(m[0]),
  });
}

/**
 * Parses a Digital Link URI as GS1 URI syntax 1.6 defines it: scheme `http` or `https` in lower
 * case, a host, any path prefix before the primary key, no trailing slash, GTINs of 14 digits,
 * convenience alphas (`/gtin/…/ser/…`) read as their AIs.
 */
export function parseDigitalLink(
  uri: string,
  options: ValidateOptions = {},
): CodeResult<ParsedDigitalLink> {
  const bad = illegalCharacter(uri);
  if (bad) return err(bad);
  const m = URI.exec(uri);
  if (!m) return err(codeError("bad_uri", "not a URI of the form scheme://host/path"));
  const scheme = m[1] ?? "";
  if (scheme !== "http" && scheme !== "https") {
    return err(
      codeError("bad_scheme", "a Digital Link's scheme is http or https in lower case", {
        got: scheme,
      }),
    );
  }
  const host = m[2] ?? "";
  if (host === "") return err(codeError("bad_host", "no host in the URI"));
  const badHost = NOT_HOST_CHAR.exec(host);
  if (badHost) {
    return err(
      codeError("bad_host", "character not allowed in a host", {
        position: scheme.length + 3 + badHost.index + 1,
        got: badHost[0],
      }),
    );
  }
  return parsePathAndQuery(m[3] ?? "", m[4] ?? "", `${scheme}://${host}`, options);
}

/** Parses a bare Digital Link path such as "/01/09506000134352/10/ABC?17=261231". */
export function parseDigitalLinkPath(
  input: string,
  options: ValidateOptions = {},
): CodeResult<ParsedDigitalLink> {
  const noFragment = input.split("#", 1)[0] ?? "";
  const q = noFragment.indexOf("?");
  const path = q < 0 ? noFragment : noFragment.slice(0, q);
  if (!path.startsWith("/"))
    return err(codeError("bad_syntax", "a Digital Link path starts with /"));
  const bad = illegalCharacter(noFragment);
  if (bad) return err(bad);
  return parsePathAndQuery(path, q < 0 ? "" : noFragment.slice(q + 1), "", options);
}

/**
 * Splits element strings into a Digital Link primary key, the qualifiers it accepts (hoisting as
 * many as one dlpkey sequence allows, as GS1's encoder does) and the remaining data attributes.
 */
export function splitForDigitalLink(elements: readonly AiElement[]): CodeResult<DigitalLinkParts> {
  const primaryKey = elements.find((e) => PRIMARY_KEYS.has(e.ai));
  if (!primaryKey) {
    return err(
      codeError("missing_primary_key", "no GS1 primary key such as (01) GTIN or (00) SSCC"),
    );
  }
  const present = new Set(elements.map((e) => e.ai));
  let hoisted: readonly string[] = [];
  for (const sequence of PRIMARY_KEYS.get(primaryKey.ai) ?? []) {
    const candidate = sequence.filter((ai) => present.has(ai));
    if (candidate.length > hoisted.length) hoisted = candidate;
  }
  const byAi = new Map<string, AiElement>();
  for (const e of elements) if (!byAi.has(e.ai)) byAi.set(e.ai, e);
  const qualifiers = hoisted.flatMap((ai) => byAi.get(ai) ?? []);
  const used = new Set([primaryKey.ai, ...hoisted]);
  const attributes = [...byAi.values()].filter((e) => !used.has(e.ai));
  return ok({
    primaryKey,
    qualifiers,
    attributes: Object.fromEntries(attributes.map((a) => [a.ai, a.value])),
    otherParams: {},
  });
}

/** The percent-encoded Digital Link path of a key and its qualifiers. */
export function digitalLinkPath(
  primaryKey: AiElement,
  qualifiers: readonly AiElement[] = [],
): DigitalLinkKey {
  return [primaryKey, ...qualifiers]
    .map(({ ai, value }) => `/${ai}/${encodeComponent(value)}`)
    .join("") as DigitalLinkKey;
}

/**
 * A Digital Link URI on `baseUrl` (e.g. "https://example.cn" or "https://example.cn/prefix/").
 * Attributes GS1 does not allow in a Digital Link (no `?` flag) cannot be carried and are left out.
 */
export function formatDigitalLinkUri(parts: DigitalLinkParts, baseUrl: string): string {
  const params = [
    ...Object.entries(parts.attributes)
      .filter(([ai]) => aiEntry(ai)?.dlDataAttribute === true)
      .map(([ai, value]) => `${ai}=${encodeComponent(value)}`),
    ...Object.entries(parts.otherParams).map(
      ([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`,
    ),
  ];
  const path = digitalLinkPath(parts.primaryKey, parts.qualifiers);
  return baseUrl.replace(/\/+$/, "") + path + (params.length > 0 ? `?${params.join("&")}` : "");
}

/** Qualifiers sorted into the order of the first dlpkey sequence that holds them all. */
export function orderQualifiers(keyAi: string, qualifiers: readonly AiElement[]): AiElement[] {
  const sequence = PRIMARY_KEYS.get(keyAi)?.find((s) => qualifiers.every((q) => s.includes(q.ai)));
  if (!sequence) return [...qualifiers];
  return [...qualifiers].sort((a, b) => sequence.indexOf(a.ai) - sequence.indexOf(b.ai));
}
