// EPCIS XML (2.0, and 1.2 upgraded to 2.0) → the JSON-LD document the capture pipeline takes.
//
// The mapping follows the two bindings of EPCIS 2.0: one XML element per JSON field, lists
// without their item elements, attributes (sensor data, typed list entries) as fields, user
// extensions (elements and attributes in a namespace of their own) as `prefix:name` fields with
// the prefix declared in the document's @context. EPCIS 1.2 wraps newer fields in `extension`
// and `baseExtension` elements (eventID, errorDeclaration, quantity, source and destination
// lists, ILMD, TransformationEvent in the event list's extension, ...): those wrappers are
// dissolved, which is what GS1's 1.2 → 2.0 conversion does, and CBV 1.x URNs
// (urn:epcglobal:cbv:bizstep:receiving) are written as the CBV 2.0 terms of the JSON-LD binding
// (receiving), as are CBV 2.0 web URIs, so every spelling of an event is stored alike.

import { EPCIS_CONTEXT } from "../../../ledger/epcis";
import type { JsonObject } from "../validate";
import { type CbvVocabulary, cbvTerm, VOCABULARIES } from "../vocab";
import { attr, childNamed, childrenNamed, textOf, XML_NS, type XmlElement, XSI_NS } from "./tree";

export const EPCIS_NS = { "1.2": "urn:epcglobal:epcis:xsd:1", "2.0": "urn:epcglobal:epcis:xsd:2" };
export const QUERY_NS = {
  "1.2": "urn:epcglobal:epcis-query:xsd:1",
  "2.0": "urn:epcglobal:epcis-query:xsd:2",
};
export const MASTER_DATA_NS = {
  "1.2": "urn:epcglobal:epcis-masterdata:xsd:1",
  "2.0": "urn:epcglobal:epcis-masterdata:xsd:2",
};
const XSD_NS = "http://www.w3.org/2001/XMLSchema";

export type XmlVersion = "1.2" | "2.0";
export type XmlDocumentKind = "EPCISDocument" | "EPCISQueryDocument" | "EPCISMasterDataDocument";

export interface XmlDocumentType {
  kind: XmlDocumentKind;
  version: XmlVersion;
}

/** A problem of the XML document, placed by its line. */
export interface XmlProblem {
  line: number;
  message: string;
}

export class XmlMappingError extends Error {
  constructor(readonly problems: XmlProblem[]) {
    super(problems[0]?.message ?? "invalid EPCIS XML");
  }
}

/**
 * Which EPCIS document the root element is, and in which version; null when it is none. The
 * namespace says the version; `schemaVersion` must agree with it.
 */
export function documentTypeOf(root: XmlElement): XmlDocumentType | { problem: string } {
  const kinds: [XmlDocumentKind, Record<XmlVersion, string>][] = [
    ["EPCISDocument", EPCIS_NS],
    ["EPCISQueryDocument", QUERY_NS],
    ["EPCISMasterDataDocument", MASTER_DATA_NS],
  ];
  for (const [kind, namespaces] of kinds) {
    if (root.local !== kind) continue;
    for (const version of ["1.2", "2.0"] as const) {
      if (root.ns !== namespaces[version]) continue;
      const declared = attr(root, "schemaVersion") ?? "";
      const major = version === "2.0" ? /^2(\.\d+)*$/ : /^1(\.\d+)*$/;
      if (!major.test(declared.trim())) {
        return {
          problem: `the ${kind} is in the EPCIS ${version} namespace (${root.ns}) but says schemaVersion="${declared}"`,
        };
      }
      return { kind, version };
    }
    return {
      problem: `${root.local} in namespace '${root.ns || "none"}' is neither EPCIS 1.2 (${namespaces["1.2"]}) nor EPCIS 2.0 (${namespaces["2.0"]})`,
    };
  }
  return {
    problem: `the root element ${root.prefix ? `${root.prefix}:` : ""}${root.local} is not an EPCISDocument, EPCISQueryDocument or EPCISMasterDataDocument`,
  };
}

// JSON-LD prefixes the EPCIS context defines: an XML prefix with one of these names but another
// namespace is renamed, so that it cannot change what the standard's CURIEs mean.
const RESERVED_PREFIXES = new Set([
  "epcis",
  "cbv",
  "cbvmda",
  "gs1",
  "rdfs",
  "rdf",
  "owl",
  "xsd",
  "dcterms",
  "sdt",
  "type",
  "id",
]);

/** One JSON-LD prefix per extension namespace of the document. */
class Prefixes {
  private readonly byNamespace = new Map<string, string>();
  private readonly taken = new Map<string, string>();

  prefixFor(ns: string, preferred: string): string {
    const known = this.byNamespace.get(ns);
    if (known) return known;
    let prefix = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(preferred) ? preferred : "ns";
    if (
      RESERVED_PREFIXES.has(prefix) ||
      (this.taken.has(prefix) && this.taken.get(prefix) !== ns)
    ) {
      let n = 1;
      while (this.taken.has(`${prefix}${n}`)) n++;
      prefix = `${prefix}${n}`;
    }
    this.byNamespace.set(ns, prefix);
    this.taken.set(prefix, ns);
    return prefix;
  }

  context(): Record<string, string> {
    return Object.fromEntries(this.taken);
  }
}

const STANDARD_LISTS: Record<string, "epc" | "quantity"> = {
  epcList: "epc",
  childEPCs: "epc",
  inputEPCList: "epc",
  outputEPCList: "epc",
  quantityList: "quantity",
  childQuantityList: "quantity",
  inputQuantityList: "quantity",
  outputQuantityList: "quantity",
};
const PLAIN_FIELDS = new Set([
  "eventTime",
  "recordTime",
  "eventTimeZoneOffset",
  "eventID",
  "certificationInfo",
  "parentID",
  "action",
  "transformationID",
]);
const NUMERIC_SENSOR_ATTRS = new Set([
  "value",
  "minValue",
  "maxValue",
  "meanValue",
  "sDev",
  "percRank",
  "percValue",
]);
export const EVENT_ELEMENTS = new Set([
  "ObjectEvent",
  "AggregationEvent",
  "TransactionEvent",
  "TransformationEvent",
  "AssociationEvent",
]);

/** A CBV value in the JSON-LD binding's form: the bare term for a CBV term, else as given. */
function cbvValue(value: string, vocabulary: CbvVocabulary): string {
  const term = cbvTerm(value, vocabulary);
  return typeof term === "string" ? term : value;
}

/** Children of `element` with the EPCIS 1.2 wrappers (`extension`, `baseExtension`) dissolved. */
function unwrapped(element: XmlElement, wrappers: readonly string[]): XmlElement[] {
  return element.children.flatMap((c) =>
    c.ns === "" && wrappers.includes(c.local) ? unwrapped(c, wrappers) : [c],
  );
}

class Mapper {
  readonly prefixes = new Prefixes();
  readonly problems: XmlProblem[] = [];

  private key(element: { ns: string; local: string; prefix: string }): string {
    if (element.ns === "") return element.local;
    return `${this.prefixes.prefixFor(element.ns, element.prefix || "ns")}:${element.local}`;
  }

  private unexpected(element: XmlElement, where: string): void {
    this.problems.push({
      line: element.line,
      message: `element '${element.local}' (no namespace) is not a field of ${where}; a user extension needs a namespace of its own`,
    });
  }

  /** The typed value of a simple element: xsi:type numbers and booleans, else its text. */
  private simpleValue(element: XmlElement): unknown {
    if (attr(element, "nil", XSI_NS) === "true") return null;
    const text = element.text.trim();
    const type = attr(element, "type", XSI_NS);
    if (type) {
      const colon = type.indexOf(":");
      const ns = colon > 0 ? element.scope[type.slice(0, colon)] : element.scope[""];
      const local = colon > 0 ? type.slice(colon + 1) : type;
      if (ns === XSD_NS) {
        if (
          /^(?:integer|int|long|short|byte|decimal|double|float|nonNegativeInteger|positiveInteger|negativeInteger|nonPositiveInteger|unsignedInt|unsignedLong|unsignedShort|unsignedByte)$/.test(
            local,
          )
        ) {
          const n = Number(text);
          if (text !== "" && Number.isFinite(n)) return n;
        } else if (local === "boolean") {
          if (text === "true" || text === "1") return true;
          if (text === "false" || text === "0") return false;
        }
      }
    }
    return text;
  }

  /** A user extension element: text, or an object of its child elements and attributes. */
  extensionValue(element: XmlElement): unknown {
    const attrs = element.attrs.filter((a) => a.ns !== XSI_NS && a.ns !== XML_NS);
    if (element.children.length === 0 && attrs.length === 0) return this.simpleValue(element);
    const out: JsonObject = {};
    for (const a of attrs) out[this.key(a)] = a.value;
    this.addFields(
      out,
      element.children.map((c) => [this.key(c), this.extensionValue(c)]),
    );
    const text = element.text.trim();
    if (text !== "") out["#text"] = text;
    return out;
  }

  /** Adds fields; a name that repeats becomes a list, in document order. */
  private addFields(out: JsonObject, fields: [string, unknown][]): void {
    const counts = new Map<string, number>();
    for (const [k] of fields) counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const [k, v] of fields) {
      if ((counts.get(k) ?? 0) > 1) {
        const list = (out[k] as unknown[] | undefined) ?? [];
        list.push(v);
        out[k] = list;
      } else out[k] = v;
    }
  }

  /** Extension attributes (in a namespace of their own) as fields. */
  private extensionAttrs(element: XmlElement, out: JsonObject): void {
    for (const a of element.attrs) {
      if (a.ns !== "" && a.ns !== XSI_NS && a.ns !== XML_NS) out[this.key(a)] = a.value;
    }
  }

  private place(element: XmlElement, where: string): JsonObject {
    const out: JsonObject = {};
    const extensions: [string, unknown][] = [];
    for (const c of unwrapped(element, ["extension"])) {
      if (c.ns === "" && c.local === "id") out.id = textOf(c);
      else if (c.ns !== "") extensions.push([this.key(c), this.extensionValue(c)]);
      else this.unexpected(c, where);
    }
    this.addFields(out, extensions);
    return out;
  }

  private quantityElement(element: XmlElement): JsonObject {
    const out: JsonObject = { epcClass: textOf(childNamed(element, "epcClass")) };
    const quantity = childNamed(element, "quantity");
    if (quantity && attr(quantity, "nil", XSI_NS) !== "true") {
      const n = Number(textOf(quantity));
      out.quantity = Number.isFinite(n) ? n : textOf(quantity);
    }
    const uom = textOf(childNamed(element, "uom"));
    if (uom !== undefined) out.uom = uom;
    return out;
  }

  private typedEntry(element: XmlElement, idField: string, vocabulary: CbvVocabulary): JsonObject {
    const out: JsonObject = {};
    const type = attr(element, "type");
    if (type !== undefined) out.type = cbvValue(type.trim(), vocabulary);
    out[idField] = element.text.trim();
    this.extensionAttrs(element, out);
    return out;
  }

  private sensorAttributes(element: XmlElement): JsonObject {
    const out: JsonObject = {};
    for (const a of element.attrs) {
      if (a.ns === XSI_NS || a.ns === XML_NS) continue;
      if (a.ns !== "") {
        out[this.key(a)] = a.value;
        continue;
      }
      const value = a.value.trim();
      if (NUMERIC_SENSOR_ATTRS.has(a.local) && value !== "" && Number.isFinite(Number(value))) {
        out[a.local] = Number(value);
      } else if (a.local === "booleanValue") {
        out[a.local] = value === "true" || value === "1";
      } else out[a.local] = value;
    }
    return out;
  }

  private sensorElement(element: XmlElement): JsonObject {
    const out: JsonObject = {};
    const reports: JsonObject[] = [];
    const extensions: [string, unknown][] = [];
    for (const c of unwrapped(element, ["extension"])) {
      if (c.ns === "" && c.local === "sensorMetadata")
        out.sensorMetadata = this.sensorAttributes(c);
      else if (c.ns === "" && c.local === "sensorReport") reports.push(this.sensorAttributes(c));
      else if (c.ns !== "") extensions.push([this.key(c), this.extensionValue(c)]);
      else this.unexpected(c, "sensorElement");
    }
    out.sensorReport = reports;
    this.addFields(out, extensions);
    return out;
  }

  private errorDeclaration(element: XmlElement): JsonObject {
    const out: JsonObject = {};
    const extensions: [string, unknown][] = [];
    for (const c of unwrapped(element, ["extension"])) {
      if (c.ns !== "") extensions.push([this.key(c), this.extensionValue(c)]);
      else if (c.local === "declarationTime") out.declarationTime = textOf(c);
      else if (c.local === "reason")
        out.reason = cbvValue(textOf(c) ?? "", VOCABULARIES.errorReason);
      else if (c.local === "correctiveEventIDs") {
        out.correctiveEventIDs = childrenNamed(c, "correctiveEventID").map((e) => textOf(e));
      } else this.unexpected(c, "errorDeclaration");
    }
    this.addFields(out, extensions);
    return out;
  }

  event(element: XmlElement): JsonObject {
    const out: JsonObject = { type: element.local };
    const extensions: [string, unknown][] = [];
    this.extensionAttrs(element, out);
    for (const c of unwrapped(element, ["extension", "baseExtension"])) {
      if (c.ns !== "") {
        extensions.push([this.key(c), this.extensionValue(c)]);
        continue;
      }
      const name = c.local;
      const list = STANDARD_LISTS[name];
      if (PLAIN_FIELDS.has(name)) out[name] = textOf(c);
      else if (name === "bizStep") out.bizStep = cbvValue(textOf(c) ?? "", VOCABULARIES.bizStep);
      else if (name === "disposition")
        out.disposition = cbvValue(textOf(c) ?? "", VOCABULARIES.disposition);
      else if (list === "epc") out[name] = childrenNamed(c, "epc").map((e) => textOf(e));
      else if (list === "quantity")
        out[name] = childrenNamed(c, "quantityElement").map((q) => this.quantityElement(q));
      else if (name === "readPoint" || name === "bizLocation") out[name] = this.place(c, name);
      else if (name === "bizTransactionList") {
        out.bizTransactionList = childrenNamed(c, "bizTransaction").map((t) =>
          this.typedEntry(t, "bizTransaction", VOCABULARIES.bizTransactionType),
        );
      } else if (name === "sourceList") {
        out.sourceList = childrenNamed(c, "source").map((t) =>
          this.typedEntry(t, "source", VOCABULARIES.sourceDestType),
        );
      } else if (name === "destinationList") {
        out.destinationList = childrenNamed(c, "destination").map((t) =>
          this.typedEntry(t, "destination", VOCABULARIES.sourceDestType),
        );
      } else if (name === "persistentDisposition") {
        const pd: JsonObject = {};
        for (const key of ["set", "unset"] as const) {
          const values = childrenNamed(c, key).map((v) =>
            cbvValue(textOf(v) ?? "", VOCABULARIES.disposition),
          );
          if (values.length > 0) pd[key] = values;
        }
        out.persistentDisposition = pd;
      } else if (name === "sensorElementList") {
        out.sensorElementList = childrenNamed(c, "sensorElement").map((s) => this.sensorElement(s));
      } else if (name === "ilmd") {
        const ilmd: JsonObject = {};
        this.addFields(
          ilmd,
          unwrapped(c, ["extension"]).map((e) => [this.key(e), this.extensionValue(e)]),
        );
        out.ilmd = ilmd;
      } else if (name === "errorDeclaration") out.errorDeclaration = this.errorDeclaration(c);
      else this.unexpected(c, element.local);
    }
    this.addFields(out, extensions);
    return out;
  }

  eventList(list: XmlElement | undefined): JsonObject[] {
    if (!list) return [];
    const events: JsonObject[] = [];
    for (const c of unwrapped(list, ["extension"])) {
      if (c.ns === "" && EVENT_ELEMENTS.has(c.local)) events.push(this.event(c));
      else if (c.ns === "" && c.local === "QuantityEvent") {
        this.problems.push({
          line: c.line,
          message:
            "QuantityEvent was deprecated in EPCIS 1.1 and removed in 2.0: send an ObjectEvent with a quantityList instead",
        });
      } else {
        this.problems.push({
          line: c.line,
          message: `'${c.local}' is not an event type this repository captures (ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent)`,
        });
      }
    }
    return events;
  }

  private attributeValue(element: XmlElement): unknown {
    const lang = attr(element, "lang", XML_NS);
    const others = element.attrs.filter(
      (a) => a.ns !== XSI_NS && a.ns !== XML_NS && !(a.ns === "" && a.local === "id"),
    );
    if (element.children.length > 0 || others.length > 0) {
      const out: JsonObject = {};
      for (const a of others) out[this.key(a)] = a.value;
      this.addFields(
        out,
        element.children.map((c) => [this.key(c), this.extensionValue(c)]),
      );
      const text = element.text.trim();
      if (text !== "") out["#text"] = text;
      return out;
    }
    const value = this.simpleValue(element);
    return lang && typeof value === "string" ? { "@value": value, "@language": lang } : value;
  }

  vocabularyList(list: XmlElement | undefined): JsonObject[] {
    if (!list) return [];
    return childrenNamed(list, "Vocabulary").map((v) => {
      const vocabulary: JsonObject = { type: attr(v, "type") ?? "" };
      const elements = childNamed(v, "VocabularyElementList");
      if (elements) {
        vocabulary.vocabularyElementList = childrenNamed(elements, "VocabularyElement").map((e) => {
          const element: JsonObject = { id: attr(e, "id") ?? "" };
          const attributes = childrenNamed(e, "attribute").map((a) => {
            const out: JsonObject = { id: attr(a, "id") ?? "" };
            const value = this.attributeValue(a);
            if (value !== "" && value !== null) out.attribute = value;
            return out;
          });
          if (attributes.length > 0) element.attributes = attributes;
          const children = childNamed(e, "children");
          if (children) {
            const ids = childrenNamed(children, "id").map((i) => textOf(i) ?? "");
            if (ids.length > 0) element.children = ids;
          }
          return element;
        });
      }
      return vocabulary;
    });
  }
}

/** The master data of a document's header (EPCISHeader/extension/EPCISMasterData/VocabularyList). */
function headerVocabularies(root: XmlElement): XmlElement | undefined {
  const header = childNamed(root, "EPCISHeader");
  const masterData = header
    ? unwrapped(header, ["extension"]).find((c) => c.ns === "" && c.local === "EPCISMasterData")
    : undefined;
  return masterData ? childNamed(masterData, "VocabularyList") : undefined;
}

/**
 * The JSON-LD form of a validated EPCIS XML document: an EPCISDocument (a master data document
 * becomes one with its vocabularies in the header and no events) or an EPCISQueryDocument.
 * Throws XmlMappingError with the lines of what the JSON-LD binding cannot carry.
 */
export function xmlToJsonDocument(root: XmlElement, type: XmlDocumentType): JsonObject {
  const mapper = new Mapper();
  const body = childNamed(root, "EPCISBody");
  const doc: JsonObject = { type: "EPCISDocument", schemaVersion: "2.0" };
  const creationDate = attr(root, "creationDate");
  if (creationDate !== undefined) doc.creationDate = creationDate;
  let vocabularies: JsonObject[] = [];
  if (type.kind === "EPCISMasterDataDocument") {
    vocabularies = mapper.vocabularyList(body ? childNamed(body, "VocabularyList") : undefined);
    doc.epcisBody = { eventList: [] };
  } else {
    vocabularies = mapper.vocabularyList(headerVocabularies(root));
    if (type.kind === "EPCISDocument") {
      doc.epcisBody = { eventList: mapper.eventList(body && childNamed(body, "EventList")) };
    } else {
      const results = body?.children.find(
        (c) => c.ns === QUERY_NS[type.version] && c.local === "QueryResults",
      );
      if (!results) {
        throw new XmlMappingError([
          {
            line: (body ?? root).line,
            message: "an EPCISQueryDocument to capture needs QueryResults in its EPCISBody",
          },
        ]);
      }
      const resultsBody = childNamed(results, "resultsBody");
      const queryResults: JsonObject = {
        queryName: textOf(childNamed(results, "queryName")) ?? "",
      };
      const subscriptionID = textOf(childNamed(results, "subscriptionID"));
      if (subscriptionID) queryResults.subscriptionID = subscriptionID;
      queryResults.resultsBody = {
        eventList: mapper.eventList(resultsBody && childNamed(resultsBody, "EventList")),
      };
      doc.type = "EPCISQueryDocument";
      doc.epcisBody = { queryResults };
    }
  }
  if (vocabularies.length > 0)
    doc.epcisHeader = { epcisMasterData: { vocabularyList: vocabularies } };
  if (mapper.problems.length > 0) throw new XmlMappingError(mapper.problems);
  const prefixes = mapper.prefixes.context();
  doc["@context"] = Object.keys(prefixes).length > 0 ? [EPCIS_CONTEXT, prefixes] : [EPCIS_CONTEXT];
  return { "@context": doc["@context"], ...doc };
}

/** One event element (single-event capture) in its JSON-LD form, with its own @context. */
export function xmlToJsonEvent(element: XmlElement): JsonObject {
  const mapper = new Mapper();
  const event = mapper.event(element);
  if (mapper.problems.length > 0) throw new XmlMappingError(mapper.problems);
  const prefixes = mapper.prefixes.context();
  return {
    "@context": Object.keys(prefixes).length > 0 ? [EPCIS_CONTEXT, prefixes] : [EPCIS_CONTEXT],
    ...event,
  };
}
