// CBV 2.0 vocabularies the EPCIS interface checks and matches: business steps, dispositions, transaction, party and error types.

export const CBV_WEB = "https://ref.gs1.org/cbv/";

export const BIZ_STEPS = [
  "accepting",
  "arriving",
  "assembling",
  "collecting",
  "commissioning",
  "consigning",
  "creating_class_instance",
  "cycle_counting",
  "decommissioning",
  "departing",
  "destroying",
  "disassembling",
  "dispensing",
  "encoding",
  "entering_exiting",
  "holding",
  "inspecting",
  "installing",
  "killing",
  "loading",
  "other",
  "packing",
  "picking",
  "receiving",
  "removing",
  "repackaging",
  "repairing",
  "replacing",
  "reserving",
  "retail_selling",
  "sampling",
  "sensor_reporting",
  "shipping",
  "staging_outbound",
  "stock_taking",
  "stocking",
  "storing",
  "transporting",
  "unloading",
  "unpacking",
  "void_shipping",
] as const;

export const DISPOSITIONS = [
  "active",
  "available",
  "completeness_inferred",
  "completeness_verified",
  "conformant",
  "container_closed",
  "container_open",
  "damaged",
  "destroyed",
  "dispensed",
  "disposed",
  "encoded",
  "expired",
  "in_progress",
  "in_transit",
  "inactive",
  "mismatch_class",
  "mismatch_instance",
  "mismatch_quantity",
  "needs_replacement",
  "no_pedigree_match",
  "non_conformant",
  "non_sellable_other",
  "partially_dispensed",
  "recalled",
  "reserved",
  "retail_sold",
  "returned",
  "sellable_accessible",
  "sellable_not_accessible",
  "stolen",
  "unavailable",
  "unknown",
] as const;

export const BIZ_TRANSACTION_TYPES = [
  "bol",
  "cert",
  "desadv",
  "inv",
  "pedigree",
  "po",
  "poc",
  "prodorder",
  "recadv",
  "rma",
  "testprd",
  "testres",
  "upevt",
] as const;

export const SOURCE_DEST_TYPES = ["owning_party", "possessing_party", "location"] as const;
export const ERROR_REASONS = ["did_not_occur", "incorrect_data"] as const;

export const EVENT_TYPES = [
  "ObjectEvent",
  "AggregationEvent",
  "TransactionEvent",
  "TransformationEvent",
  "AssociationEvent",
] as const;

/** A CBV vocabulary: its name in web URIs (`BizStep-`), in CBV 1.x URNs (`bizstep:`) and its terms. */
export interface CbvVocabulary {
  web: string;
  urn: string;
  terms: ReadonlySet<string>;
}

export const VOCABULARIES = {
  bizStep: { web: "BizStep", urn: "bizstep", terms: new Set<string>(BIZ_STEPS) },
  disposition: { web: "Disp", urn: "disp", terms: new Set<string>(DISPOSITIONS) },
  bizTransactionType: { web: "BTT", urn: "btt", terms: new Set<string>(BIZ_TRANSACTION_TYPES) },
  sourceDestType: { web: "SDT", urn: "sdt", terms: new Set<string>(SOURCE_DEST_TYPES) },
  errorReason: { web: "ER", urn: "er", terms: new Set<string>(ERROR_REASONS) },
} satisfies Record<string, CbvVocabulary>;

export type VocabularyName = keyof typeof VOCABULARIES;

/** The prefixes a JSON-LD context gives to CURIEs, the standard ones included. */
export function contextPrefixes(...contexts: unknown[]): Map<string, string> {
  const prefixes = new Map<string, string>([
    ["cbv", CBV_WEB],
    ["gs1", "https://gs1.org/voc/"],
  ]);
  const visit = (ctx: unknown): void => {
    if (Array.isArray(ctx)) for (const entry of ctx) visit(entry);
    else if (ctx && typeof ctx === "object") {
      for (const [term, iri] of Object.entries(ctx)) {
        if (!term.startsWith("@") && typeof iri === "string") prefixes.set(term, iri);
      }
    }
  };
  for (const ctx of contexts) visit(ctx);
  return prefixes;
}

/** A value with its CURIE prefix expanded (`cbv:BizStep-shipping` → the web URI), else unchanged. */
export function expandCurie(value: string, prefixes: Map<string, string>): string {
  const colon = value.indexOf(":");
  if (colon <= 0 || value.startsWith("//", colon + 1)) return value;
  const iri = prefixes.get(value.slice(0, colon));
  return iri === undefined ? value : iri + value.slice(colon + 1);
}

/**
 * The CBV term a value names in this vocabulary (`shipping` for `shipping`, its web URI, CURIE or
 * CBV 1.x URN), or null when the value is not in the vocabulary's namespace (a custom URI).
 * A value in the namespace whose term the vocabulary lacks comes back as `{ unknown: term }`.
 */
export function cbvTerm(
  value: string,
  vocabulary: CbvVocabulary,
  prefixes: Map<string, string> = contextPrefixes(),
): string | { unknown: string } | null {
  if (!value.includes(":")) return vocabulary.terms.has(value) ? value : { unknown: value };
  const expanded = expandCurie(value, prefixes);
  const web = `${CBV_WEB}${vocabulary.web}-`;
  const urn = `urn:epcglobal:cbv:${vocabulary.urn}:`;
  const term = expanded.startsWith(web)
    ? expanded.slice(web.length)
    : expanded.startsWith(urn)
      ? expanded.slice(urn.length)
      : null;
  if (term === null) return null;
  return vocabulary.terms.has(term) ? term : { unknown: term };
}

/** Every spelling under which a stored event may carry `value` (a query matches any of them). */
export function cbvForms(value: string, vocabulary: CbvVocabulary): string[] {
  const term = cbvTerm(value, vocabulary);
  if (term === null) return [value];
  const t = typeof term === "string" ? term : term.unknown;
  return [
    ...new Set([
      value,
      t,
      `${CBV_WEB}${vocabulary.web}-${t}`,
      `cbv:${vocabulary.web}-${t}`,
      `urn:epcglobal:cbv:${vocabulary.urn}:${t}`,
    ]),
  ];
}

/** The short form shown in collections: the bare term for CBV values, the URI otherwise. */
export function cbvShort(value: string, vocabulary: CbvVocabulary): string {
  const term = cbvTerm(value, vocabulary);
  return typeof term === "string" ? term : value;
}
