// EPCISQueryDocument output: identifiers in the GS1-EPC-Format asked for, and one @context for events captured under many.
import { digitalLinkToUrn, urnToDigitalLink } from "../../codes/epc-urn";
import { EPCIS_CONTEXT } from "../../ledger/epcis";
import { isObject, type JsonObject } from "./validate";

export const EPC_FORMATS = [
  "No_Preference",
  "Always_GS1_Digital_Link",
  "Always_EPC_URN",
  "Never_Translates",
] as const;
export type EpcFormat = (typeof EPC_FORMATS)[number];

/** The standard's default when the header is absent. */
export const DEFAULT_EPC_FORMAT: EpcFormat = "Always_GS1_Digital_Link";

export function toDigitalLink(value: string): string {
  return value.startsWith("urn:epc:") ? (urnToDigitalLink(value) ?? value) : value;
}

export function toEpcUrn(value: string): string {
  if (value.startsWith("urn:")) return value;
  try {
    return digitalLinkToUrn(value) ?? value;
  } catch {
    return value;
  }
}

const EPC_LISTS = ["epcList", "childEPCs", "inputEPCList", "outputEPCList"];
const QUANTITY_LISTS = [
  "quantityList",
  "childQuantityList",
  "inputQuantityList",
  "outputQuantityList",
];
const PARTY_LISTS: [string, string][] = [
  ["sourceList", "source"],
  ["destinationList", "destination"],
];

/**
 * The event with its identifiers (EPCs, classes, parent, read point, business location, sources
 * and destinations) written as `format` asks. The Event Hash ID does not change: it normalises
 * every identifier to the same canonical Digital Link whichever form it is written in.
 */
export function formatEvent(event: JsonObject, format: EpcFormat): JsonObject {
  if (format === "Never_Translates" || format === "No_Preference") return event;
  const convert = format === "Always_EPC_URN" ? toEpcUrn : toDigitalLink;
  const str = (v: unknown) => (typeof v === "string" ? convert(v) : v);
  const out: JsonObject = { ...event };
  if (typeof out.parentID === "string") out.parentID = convert(out.parentID);
  for (const field of EPC_LISTS) {
    const list = out[field];
    if (!Array.isArray(list)) continue;
    // Two spellings of one EPC in a list (a URN and its Digital Link) would become duplicates,
    // which the schema forbids: such a list keeps its spellings.
    const converted = list.map(str);
    if (new Set(converted).size === new Set(list).size) out[field] = converted;
  }
  for (const field of QUANTITY_LISTS) {
    const list = out[field];
    if (Array.isArray(list)) {
      out[field] = list.map((q) =>
        isObject(q) && typeof q.epcClass === "string" ? { ...q, epcClass: convert(q.epcClass) } : q,
      );
    }
  }
  for (const field of ["readPoint", "bizLocation"]) {
    const place = out[field];
    if (isObject(place) && typeof place.id === "string")
      out[field] = { ...place, id: convert(place.id) };
  }
  for (const [field, key] of PARTY_LISTS) {
    const list = out[field];
    if (Array.isArray(list)) {
      out[field] = list.map((p) =>
        isObject(p) && typeof p[key] === "string" ? { ...p, [key]: convert(p[key] as string) } : p,
      );
    }
  }
  return out;
}

/** A stored event with the JSON-LD context it was captured under. */
export interface StoredEvent {
  document: JsonObject;
  context: unknown[];
}

/**
 * One @context for a list of events captured under different documents' contexts. The document
 * gets what all the events' contexts share; an event whose context says more (a prefix another
 * document did not declare, or declared otherwise) carries the rest as its own @context. So
 * every event reads with exactly the prefixes it was captured with: extensions expand to their
 * namespaces, and every Event Hash ID recomputes.
 */
export function queryContext(
  events: StoredEvent[],
  format: EpcFormat,
): {
  context: unknown[];
  eventList: JsonObject[];
} {
  const parts = events.map(({ context }) => {
    const urls = context.filter((c): c is string => typeof c === "string");
    const terms = new Map<string, string>();
    for (const entry of context) {
      if (!isObject(entry)) continue;
      for (const [term, definition] of Object.entries(entry))
        terms.set(term, JSON.stringify(definition));
    }
    return { urls, terms };
  });
  const [first, ...rest] = parts;
  const sharedUrls = (first?.urls ?? []).filter((u) => rest.every((p) => p.urls.includes(u)));
  const sharedTerms = new Map(first?.terms ?? []);
  for (const p of rest) {
    for (const [term, definition] of sharedTerms)
      if (p.terms.get(term) !== definition) sharedTerms.delete(term);
  }
  const eventList = events.map(({ document }, i) => {
    const event = formatEvent(document, format);
    const { urls, terms } = parts[i]!;
    const extraUrls = urls.filter((u) => !sharedUrls.includes(u));
    const extraTerms = [...terms].filter(([term]) => !sharedTerms.has(term));
    if (extraUrls.length === 0 && extraTerms.length === 0) return event;
    const { "@context": own, ...fields } = event;
    // The event's own @context (if it came with one) goes last: it overrode its document's, so
    // what it defines itself is not repeated.
    const ownList: unknown[] = Array.isArray(own) ? own : own === undefined ? [] : [own];
    const ownTerms = new Set(ownList.flatMap((c) => (isObject(c) ? Object.keys(c) : [])));
    const extras: unknown[] = extraUrls.filter((u) => !ownList.includes(u));
    const missing = extraTerms.filter(([term]) => !ownTerms.has(term));
    if (missing.length > 0) {
      extras.push(
        Object.fromEntries(missing.map(([term, definition]) => [term, JSON.parse(definition)])),
      );
    }
    if (extras.length === 0) return event;
    return { "@context": [...extras, ...ownList], ...fields };
  });
  const urls = [EPCIS_CONTEXT, ...sharedUrls.filter((u) => u !== EPCIS_CONTEXT)];
  const terms = Object.fromEntries(
    [...sharedTerms].map(([term, definition]) => [term, JSON.parse(definition)]),
  );
  return { context: sharedTerms.size > 0 ? [...urls, terms] : urls, eventList };
}

export function queryDocument(
  events: StoredEvent[],
  options: { format: EpcFormat; now: Date; queryName?: string; subscriptionID?: string },
): JsonObject {
  const { context, eventList } = queryContext(events, options.format);
  const queryResults: JsonObject = { queryName: options.queryName ?? "SimpleEventQuery" };
  if (options.subscriptionID) queryResults.subscriptionID = options.subscriptionID;
  queryResults.resultsBody = { eventList };
  return {
    "@context": context,
    type: "EPCISQueryDocument",
    schemaVersion: "2.0",
    creationDate: options.now.toISOString(),
    epcisBody: { queryResults },
  };
}
