// CBV 2.0 Event Hash ID (CBV 2.0 section 8.9): canonical pre-hash string and ni:///sha-256 URI of an EPCIS event.
//
// The rules follow the reference implementation (RalphTro/epcis-event-hash-generator), whose output
// defines the conformance vectors in test/fixtures/event-hash. Where that implementation depends on
// JSON key order or on other events of the document, this one follows the standard's text instead
// (noted where it happens), since the hash must identify the event whatever its serialisation.

import {
  canonicalTimestamp,
  canonicalValue,
  compareCodePoints,
  expandBareTerm,
  formatNumber,
  isTimeField,
  type Vocabulary,
} from "./event-hash-values";
import { bytesToHex, sha256, utf8 } from "./hex";

/** `ni:///sha-256;<64 hex>?ver=CBV2.0` (RFC 6920 named information URI). */
export type EventHashId = string & { readonly __brand: "EventHashId" };

const HASH_ID = /^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/;

export function isEventHashId(value: string): value is EventHashId {
  return HASH_ID.test(value);
}

/** One field of the event as the algorithm sees it: name, raw value (may be empty), sub-fields. */
interface Field {
  name: string;
  value: string;
  children: Field[];
  /** Sub-fields keep their given order (type before identifier in bizTransaction/source/destination). */
  fixedOrder?: boolean;
}

type Order = readonly (readonly [string, Order | null])[];

const EPCS: Order = [["epc", null]];
const QUANTITIES: Order = [
  [
    "quantityElement",
    [
      ["epcClass", null],
      ["quantity", null],
      ["uom", null],
    ],
  ],
];
const SENSOR_METADATA: Order = ["time", "startTime", "endTime", "deviceID", "deviceMetadata"]
  .concat(["rawData", "dataProcessingMethod", "bizRules"])
  .map((name) => [name, null] as const);
const SENSOR_REPORT: Order = ["type", "exception", "deviceID", "deviceMetadata", "rawData"]
  .concat(["dataProcessingMethod", "time", "microorganism", "chemicalSubstance", "value"])
  .concat(["component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue", "minValue"])
  .concat(["maxValue", "meanValue", "sDev", "percRank", "percValue", "uom"])
  .concat(["coordinateReferenceSystem"])
  .map((name) => [name, null] as const);

// Canonical property order. bizTransactionList, sourceList, destinationList, ilmd and user
// extensions follow it, all sorted together as strings: that is where the reference puts them.
const PROPERTY_ORDER: Order = [
  ["eventTime", null],
  ["eventTimeZoneOffset", null],
  ["certificationInfo", null],
  ["parentID", null],
  ["epcList", EPCS],
  ["inputEPCList", EPCS],
  ["childEPCs", EPCS],
  ["quantityList", QUANTITIES],
  ["childQuantityList", QUANTITIES],
  ["inputQuantityList", QUANTITIES],
  ["outputEPCList", EPCS],
  ["outputQuantityList", QUANTITIES],
  ["action", null],
  ["transformationID", null],
  ["bizStep", null],
  ["disposition", null],
  [
    "persistentDisposition",
    [
      ["set", null],
      ["unset", null],
    ],
  ],
  ["readPoint", [["id", null]]],
  ["bizLocation", [["id", null]]],
  [
    "sensorElementList",
    [
      [
        "sensorElement",
        [
          ["sensorMetadata", SENSOR_METADATA],
          ["sensorReport", SENSOR_REPORT],
        ],
      ],
    ],
  ],
];

// Not part of the event's identity: set by the repository, the hash itself, or a later correction.
const EXCLUDED_AT_EVENT_LEVEL = new Set(["type", "eventID", "recordTime", "errorDeclaration"]);
const RDFS_COMMENT = "{http://www.w3.org/2000/01/rdf-schema#}comment";
const IGNORED = new Set(["comment", "rdfs:comment", "#text", RDFS_COMMENT]);

// Fields whose JSON-LD context gives bare strings a vocabulary, keyed `parent/field`.
const VOCABULARY: Record<string, Vocabulary> = {
  "/bizStep": "BizStep",
  "/disposition": "Disp",
  "persistentDisposition/set": "Disp",
  "persistentDisposition/unset": "Disp",
  "bizTransactionList/type": "BTT",
  "sourceList/type": "SDT",
  "destinationList/type": "SDT",
  "sensorReport/type": "gs1",
  "sensorReport/exception": "gs1",
  "sensorReport/component": "Comp",
  "errorDeclaration/reason": "ER",
};

// Lists whose items are a (type, identifier) pair rather than a structure of their own.
const TYPED_LISTS: Record<string, string> = {
  bizTransactionList: "bizTransaction",
  sourceList: "source",
  destinationList: "destination",
};

// Prefixes the EPCIS 2.0 context defines; the document's own context may add to or override them.
const STANDARD_PREFIXES: Record<string, string> = {
  epcis: "https://ref.gs1.org/epcis/",
  cbv: "https://ref.gs1.org/cbv/",
  cbvmda: "urn:epcglobal:cbv:mda:",
  gs1: "https://gs1.org/voc/",
  rdfs: "http://www.w3.org/2000/01/rdf-schema#",
  owl: "http://www.w3.org/2002/07/owl#",
  xsd: "http://www.w3.org/2001/XMLSchema#",
  dcterms: "http://purl.org/dc/terms/",
};

type Prefixes = Map<string, string>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function collectPrefixes(prefixes: Prefixes, context: unknown): void {
  if (Array.isArray(context)) {
    for (const entry of context) collectPrefixes(prefixes, entry);
  } else if (isObject(context)) {
    for (const [term, iri] of Object.entries(context)) {
      if (!term.startsWith("@") && typeof iri === "string" && !iri.startsWith("@")) {
        prefixes.set(term, iri);
      }
    }
  }
}

function splitCurie(text: string, prefixes: Prefixes): [string, string] | null {
  const colon = text.indexOf(":");
  const iri = colon > 0 ? prefixes.get(text.slice(0, colon)) : undefined;
  return iri === undefined ? null : [iri, text.slice(colon + 1)];
}

/** `example:myField` → `{https://ns.example.com/epcis/}myField`: extensions named by namespace. */
function fieldName(key: string, prefixes: Prefixes): string {
  if (key === "@id" || key === "@type") return key.slice(1);
  const curie = splitCurie(key, prefixes);
  return curie ? `{${curie[0]}}${curie[1]}` : key;
}

function scalar(value: string, prefixes: Prefixes, vocabulary: Vocabulary | undefined): string {
  const curie = splitCurie(value, prefixes);
  const expanded = curie ? curie[0] + curie[1] : value;
  return vocabulary ? expandBareTerm(expanded, vocabulary) : expanded;
}

// The element name a list's items take (XML's child element name; JSON-LD omits it).
function itemName(listKey: string): string {
  if (listKey === "childEPCs" || /^(?:epc|inputEPC|outputEPC)List$/.test(listKey)) return "epc";
  if (/^(?:quantity|childQuantity|inputQuantity|outputQuantity)List$/.test(listKey)) {
    return "quantityElement";
  }
  return listKey.slice(0, -4);
}

function toField(
  name: string,
  value: unknown,
  key: string,
  prefixes: Prefixes,
  vocabulary?: Vocabulary,
): Field | null {
  if (typeof value === "string")
    return { name, value: scalar(value, prefixes, vocabulary), children: [] };
  if (typeof value === "number") return { name, value: formatNumber(value), children: [] };
  if (typeof value === "boolean") return { name, value: String(value), children: [] };
  if (Array.isArray(value)) {
    const children = value.map((v) => toField("", v, key, prefixes)).filter((f) => f !== null);
    return { name, value: "", children };
  }
  if (isObject(value)) {
    const text = typeof value["#text"] === "string" ? value["#text"] : "";
    return { name, value: text, children: objectFields(value, key, prefixes) };
  }
  return null;
}

// A bizTransaction/source/destination: its type first, then the identifier, whatever the key order.
function typedItem(
  item: unknown,
  listKey: string,
  idName: string,
  prefixes: Prefixes,
): Field | null {
  if (!isObject(item)) return null;
  const fields = objectFields(item, listKey, prefixes);
  const rank = (f: Field): number => (f.name === "type" ? 0 : f.name === idName ? 1 : 2);
  fields.sort((a, b) => rank(a) - rank(b) || compareCodePoints(a.name, b.name));
  return { name: "", value: "", children: fields, fixedOrder: true };
}

function objectFields(
  object: Record<string, unknown>,
  parentKey: string,
  prefixes: Prefixes,
): Field[] {
  const fields: Field[] = [];
  for (const [rawKey, value] of Object.entries(object)) {
    if (IGNORED.has(rawKey) || (rawKey.startsWith("@") && rawKey !== "@id" && rawKey !== "@type")) {
      continue;
    }
    const key = fieldName(rawKey, prefixes);
    if (IGNORED.has(key) || value === null || value === undefined) continue;
    const vocabulary = VOCABULARY[`${parentKey}/${key}`];
    const elements: unknown[] = Array.isArray(value) ? value : [value];
    const idName = TYPED_LISTS[key];
    let list: (Field | null)[] | null = null;
    if (idName !== undefined && parentKey === "") {
      list = elements.map((item) => typedItem(item, key, idName, prefixes));
    } else if (
      (key.endsWith("List") || key === "childEPCs") &&
      // An extension named …List that holds one structure (XML's element with sub-elements) is
      // that structure, not a list of items: the reference hashes its fields directly.
      !(key.startsWith("{") && isObject(value))
    ) {
      list = elements.map((item) => toField(itemName(key), item, key, prefixes, vocabulary));
    }
    if (list) {
      const children = list.filter((f) => f !== null);
      if (children.length > 0) fields.push({ name: key, value: "", children });
      continue;
    }
    for (const element of elements) {
      const field = toField(key, element, key, prefixes, vocabulary);
      if (field) fields.push(field);
    }
  }
  return fields;
}

/** Fields not in the canonical order, each as name=value plus its sub-fields, sorted. */
function unordered(fields: Field[], sort = true): string {
  const parts = fields.map((f) => {
    const value = f.value.trim();
    return (
      f.name + (value ? `=${canonicalValue(value)}` : "") + unordered(f.children, !f.fixedOrder)
    );
  });
  if (sort) parts.sort(compareCodePoints);
  return parts.join("");
}

/**
 * Fields named in `order`, in that order, sorted among equal names. Consumes what it writes:
 * whatever remains (a field unknown to the order) is written later by `unordered`.
 */
function ordered(fields: Field[], order: Order, eventLevel: boolean): string {
  // Extensions inside readPoint, sensorReport, ... go after their parent's standard fields.
  const extensions = eventLevel ? [] : fields.filter((f) => f.name.startsWith("{"));
  let out = "";
  for (const [name, subOrder] of order) {
    const parts: string[] = [];
    for (const field of fields.filter((f) => f.name === name)) {
      const nested = subOrder ? ordered(field.children, subOrder, false) : "";
      const raw = field.value.trim();
      const value = !raw ? "" : isTimeField(name) ? canonicalTimestamp(raw) : canonicalValue(raw);
      if (value || nested) parts.push(name + (value ? `=${value}` : "") + nested);
      if (field.children.length === 0) fields.splice(fields.indexOf(field), 1);
    }
    out += parts.sort(compareCodePoints).join("");
  }
  for (const extension of extensions) fields.splice(fields.indexOf(extension), 1);
  return out + unordered(extensions);
}

/**
 * The canonical pre-hash string of one EPCIS 2.0 event in JSON-LD form. `context` is the
 * `@context` of its document: it names the namespaces of user extensions and CURIEs.
 */
export function preHashString(event: unknown, context?: unknown): string {
  const type = isObject(event) ? (event.type ?? event["@type"]) : undefined;
  if (!isObject(event) || typeof type !== "string") {
    throw new TypeError("an EPCIS event is a JSON object with a string type");
  }
  const prefixes: Prefixes = new Map(Object.entries(STANDARD_PREFIXES));
  collectPrefixes(prefixes, context);
  collectPrefixes(prefixes, event["@context"]);
  const fields = objectFields(event, "", prefixes).filter(
    (f) => !EXCLUDED_AT_EVENT_LEVEL.has(f.name),
  );
  const head = ordered(fields, PROPERTY_ORDER, true);
  return `eventType=${type}${head}${unordered(fields)}`;
}

export async function hashPreHashString(preHash: string): Promise<EventHashId> {
  return `ni:///sha-256;${bytesToHex(await sha256(utf8(preHash)))}?ver=CBV2.0` as EventHashId;
}

/** Event Hash ID and the pre-hash string it was computed from (keep it: it explains a mismatch). */
export async function hashEvent(
  event: unknown,
  context?: unknown,
): Promise<{ preHash: string; hashId: EventHashId }> {
  const preHash = preHashString(event, context);
  return { preHash, hashId: await hashPreHashString(preHash) };
}

export async function eventHashId(event: unknown, context?: unknown): Promise<EventHashId> {
  return (await hashEvent(event, context)).hashId;
}

/** The events of an EPCIS (query) document, with the `@context` they are to be read with. */
export function eventsOfDocument(document: unknown): { context: unknown; events: unknown[] } {
  if (!isObject(document)) return { context: undefined, events: [] };
  const body = document.epcisBody;
  const results = isObject(body) ? body.queryResults : undefined;
  const resultsBody = isObject(results) ? results.resultsBody : undefined;
  const list = isObject(resultsBody)
    ? resultsBody.eventList
    : isObject(body)
      ? (body.eventList ?? (body.event === undefined ? [] : [body.event]))
      : [];
  return { context: document["@context"], events: Array.isArray(list) ? list : [] };
}
