// Stored JSON-LD events → an EPCIS 2.0 XML EPCISQueryDocument (query answers with Accept: application/xml).
import { type EpcFormat, formatEvent, type StoredEvent } from "../format";
import { isObject, type JsonObject } from "../validate";
import { type CbvVocabulary, cbvTerm, contextPrefixes, expandCurie, VOCABULARIES } from "../vocab";
import { EPCIS_NS, QUERY_NS } from "./from-xml";

/** The REST binding's GS1-CBV-XML-Format: how CBV values are written in XML answers. */
export const CBV_XML_FORMATS = [
  "No_Preference",
  "Always_Web_URI",
  "Always_URN",
  "Never_Translates",
] as const;
export type CbvXmlFormat = (typeof CBV_XML_FORMATS)[number];

const XSI = "http://www.w3.org/2001/XMLSchema-instance";
const XSD = "http://www.w3.org/2001/XMLSchema";
const GS1_VOC = "https://gs1.org/voc/";

// Element order of each event type in the XSD (after the base fields every event shares).
const BASE = ["eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "errorDeclaration"];
const TAIL = ["sensorElementList", "persistentDisposition"];
const ORDER: Record<string, string[]> = {
  ObjectEvent: [
    "epcList",
    "action",
    "bizStep",
    "disposition",
    "readPoint",
    "bizLocation",
    "bizTransactionList",
    "quantityList",
    "sourceList",
    "destinationList",
    ...TAIL,
    "ilmd",
  ],
  AggregationEvent: [
    "parentID",
    "childEPCs",
    "action",
    "bizStep",
    "disposition",
    "readPoint",
    "bizLocation",
    "bizTransactionList",
    "childQuantityList",
    "sourceList",
    "destinationList",
    ...TAIL,
  ],
  TransactionEvent: [
    "bizTransactionList",
    "parentID",
    "epcList",
    "action",
    "bizStep",
    "disposition",
    "readPoint",
    "bizLocation",
    "quantityList",
    "sourceList",
    "destinationList",
    ...TAIL,
  ],
  TransformationEvent: [
    "inputEPCList",
    "inputQuantityList",
    "outputEPCList",
    "outputQuantityList",
    "transformationID",
    "bizStep",
    "disposition",
    "readPoint",
    "bizLocation",
    "bizTransactionList",
    "sourceList",
    "destinationList",
    ...TAIL,
    "ilmd",
  ],
  AssociationEvent: [
    "parentID",
    "childEPCs",
    "childQuantityList",
    "action",
    "bizStep",
    "disposition",
    "readPoint",
    "bizLocation",
    "bizTransactionList",
    "sourceList",
    "destinationList",
    ...TAIL,
  ],
};
const SENSOR_METADATA = [
  "time",
  "startTime",
  "endTime",
  "deviceID",
  "deviceMetadata",
  "rawData",
  "dataProcessingMethod",
  "bizRules",
];
const SENSOR_REPORT = [
  "type",
  "exception",
  "deviceID",
  "deviceMetadata",
  "rawData",
  "dataProcessingMethod",
  "time",
  "microorganism",
  "chemicalSubstance",
  "value",
  "component",
  "stringValue",
  "booleanValue",
  "hexBinaryValue",
  "uriValue",
  "minValue",
  "maxValue",
  "meanValue",
  "sDev",
  "percRank",
  "percValue",
  "uom",
  "coordinateReferenceSystem",
];

const escapeText = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escapeAttr = (s: string) => escapeText(s).replace(/"/g, "&quot;");
// Characters XML 1.0 cannot carry at all: dropped rather than written into a broken document.
const clean = (s: string) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "");
const text = (v: unknown) => escapeText(clean(String(v)));
const attrValue = (v: unknown) => escapeAttr(clean(String(v)));

/** Namespace declarations of the document: one prefix per namespace. */
class Namespaces {
  private readonly prefixOf = new Map<string, string>();
  private readonly nsOf = new Map<string, string>();
  /** Prefixes that values use as undeclared CURIE prefixes: a namespace named so would give them one. */
  readonly reserved = new Set<string>();

  constructor() {
    this.declare("xsi", XSI);
    this.declare("xsd", XSD);
  }

  declare(preferred: string, ns: string): string {
    const known = this.prefixOf.get(ns);
    if (known) return known;
    let prefix =
      /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(preferred) && !/^xml/i.test(preferred) ? preferred : "ns";
    if (this.nsOf.has(prefix) || this.reserved.has(prefix)) {
      let n = 1;
      while (this.nsOf.has(`${prefix}${n}`) || this.reserved.has(`${prefix}${n}`)) n++;
      prefix = `${prefix}${n}`;
    }
    this.prefixOf.set(ns, prefix);
    this.nsOf.set(prefix, ns);
    return prefix;
  }

  attributes(): string {
    return [...this.nsOf].map(([p, ns]) => ` xmlns:${p}="${escapeAttr(ns)}"`).join("");
  }
}

class Writer {
  readonly ns = new Namespaces();
  constructor(private readonly cbvFormat: CbvXmlFormat) {}

  /** A CBV value as GS1-CBV-XML-Format asks: URN, web URI, or as stored (a bare term becomes its URN). */
  cbv(value: string, vocabulary: CbvVocabulary, prefixes: Map<string, string>): string {
    const term = cbvTerm(value, vocabulary, prefixes);
    const t = typeof term === "string" ? term : term === null ? null : term.unknown;
    if (t === null || (this.cbvFormat === "Never_Translates" && value.includes(":"))) {
      return expandCurie(value, prefixes);
    }
    return this.cbvFormat === "Always_Web_URI"
      ? `https://ref.gs1.org/cbv/${vocabulary.web}-${t}`
      : `urn:epcglobal:cbv:${vocabulary.urn}:${t}`;
  }

  /**
   * A URI-valued sensor attribute. XML has no CURIEs: one whose prefix the event's context
   * defines is written in full (another document's prefix of the same name may mean something
   * else); bare GS1 vocabulary terms (type, exception, component) become `gs1:` terms, as GS1's
   * XML examples write them, or web URIs.
   */
  sensorValue(name: string, value: string, prefixes: Map<string, string>): string {
    const vocabularyTerm = name === "type" || name === "exception" || name === "component";
    if (!value.includes(":")) {
      if (!vocabularyTerm) return value;
      return this.cbvFormat === "Always_Web_URI" ? `${GS1_VOC}${value}` : `gs1:${value}`;
    }
    if (value.startsWith("gs1:")) {
      return this.cbvFormat === "Always_Web_URI" ? `${GS1_VOC}${value.slice(4)}` : value;
    }
    return expandCurie(value, prefixes);
  }

  /** `prefix:name` of a JSON-LD extension key as an XML qualified name, its namespace declared. */
  qname(key: string, prefixes: Map<string, string>): string | null {
    const colon = key.indexOf(":");
    if (colon <= 0) return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) ? key : null;
    const prefix = key.slice(0, colon);
    const local = key.slice(colon + 1);
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(local)) return null;
    const ns = prefixes.get(prefix) ?? `urn:zhuisu:undeclared-prefix:${prefix}`;
    return `${this.ns.declare(prefix, ns)}:${local}`;
  }

  /** A user extension field (or one value of a repeated one) as XML. */
  extension(name: string, value: unknown, prefixes: Map<string, string>): string {
    if (Array.isArray(value)) return value.map((v) => this.extension(name, v, prefixes)).join("");
    if (value === null) return `<${name} xsi:nil="true"/>`;
    if (typeof value === "number") {
      const type = Number.isInteger(value) ? "xsd:integer" : "xsd:double";
      return `<${name} xsi:type="${type}">${text(value)}</${name}>`;
    }
    if (typeof value === "boolean") return `<${name} xsi:type="xsd:boolean">${value}</${name}>`;
    if (!isObject(value)) return `<${name}>${text(value)}</${name}>`;
    let attrs = "";
    let inner = "";
    for (const [k, v] of Object.entries(value)) {
      if (k === "#text" || k === "@value") inner += text(v);
      else if (k === "@language") attrs += ` xml:lang="${attrValue(v)}"`;
      else if (k.startsWith("@")) continue;
      else {
        const child = this.qname(k, prefixes);
        if (child) inner += this.extension(child, v, prefixes);
      }
    }
    return `<${name}${attrs}>${inner}</${name}>`;
  }

  private list(name: string, item: string, values: unknown): string {
    const items = Array.isArray(values) ? values : [];
    return `<${name}>${items.map((v) => `<${item}>${text(v)}</${item}>`).join("")}</${name}>`;
  }

  private quantities(name: string, values: unknown): string {
    const items = (Array.isArray(values) ? values : []).filter(isObject);
    const body = items
      .map((q) => {
        let out = `<epcClass>${text(q.epcClass ?? "")}</epcClass>`;
        if (q.quantity !== undefined) out += `<quantity>${text(q.quantity)}</quantity>`;
        if (q.uom !== undefined) out += `<uom>${text(q.uom)}</uom>`;
        return `<quantityElement>${out}</quantityElement>`;
      })
      .join("");
    return `<${name}>${body}</${name}>`;
  }

  private typed(
    name: string,
    item: string,
    values: unknown,
    vocabulary: CbvVocabulary,
    prefixes: Map<string, string>,
  ): string {
    const items = (Array.isArray(values) ? values : []).filter(isObject);
    const body = items
      .map((e) => {
        const type =
          typeof e.type === "string"
            ? ` type="${attrValue(this.cbv(e.type, vocabulary, prefixes))}"`
            : "";
        return `<${item}${type}>${text(e[item] ?? "")}</${item}>`;
      })
      .join("");
    return `<${name}>${body}</${name}>`;
  }

  private place(name: string, value: unknown, prefixes: Map<string, string>): string {
    if (!isObject(value)) return "";
    let out = `<id>${text(value.id ?? "")}</id>`;
    out += this.extensions(value, new Set(["id"]), prefixes);
    return `<${name}>${out}</${name}>`;
  }

  /** Extension fields of an object (keys with a prefix), after its standard ones. */
  private extensions(object: JsonObject, standard: Set<string>, prefixes: Map<string, string>) {
    let out = "";
    for (const [k, v] of Object.entries(object)) {
      if (standard.has(k) || k.startsWith("@") || !k.includes(":")) continue;
      const name = this.qname(k, prefixes);
      if (name) out += this.extension(name, v, prefixes);
    }
    return out;
  }

  private sensorAttrs(object: JsonObject, order: string[], prefixes: Map<string, string>): string {
    let out = "";
    for (const k of order) {
      const v = object[k];
      if (v === undefined || v === null) continue;
      const value = typeof v === "string" ? this.sensorValue(k, v, prefixes) : v;
      out += ` ${k}="${attrValue(value)}"`;
    }
    for (const [k, v] of Object.entries(object)) {
      if (order.includes(k) || k.startsWith("@") || v === null || v === undefined) continue;
      // A field the JSON-LD binding allows here and the XSD does not name (bizRules on a report)
      // goes as an unqualified attribute, which the XSD's lax wildcard admits.
      const name = this.qname(k, prefixes);
      if (name) out += ` ${name}="${attrValue(typeof v === "object" ? JSON.stringify(v) : v)}"`;
    }
    return out;
  }

  private sensorElements(values: unknown, prefixes: Map<string, string>): string {
    const items = (Array.isArray(values) ? values : []).filter(isObject);
    const body = items
      .map((s) => {
        let out = "";
        if (isObject(s.sensorMetadata)) {
          out += `<sensorMetadata${this.sensorAttrs(s.sensorMetadata, SENSOR_METADATA, prefixes)}/>`;
        }
        for (const r of (Array.isArray(s.sensorReport) ? s.sensorReport : []).filter(isObject)) {
          out += `<sensorReport${this.sensorAttrs(r, SENSOR_REPORT, prefixes)}/>`;
        }
        out += this.extensions(s, new Set(["sensorMetadata", "sensorReport"]), prefixes);
        return `<sensorElement>${out}</sensorElement>`;
      })
      .join("");
    return `<sensorElementList>${body}</sensorElementList>`;
  }

  private errorDeclaration(value: unknown, prefixes: Map<string, string>): string {
    if (!isObject(value)) return "";
    let out = "";
    if (value.declarationTime !== undefined)
      out += `<declarationTime>${text(value.declarationTime)}</declarationTime>`;
    if (typeof value.reason === "string") {
      out += `<reason>${text(this.cbv(value.reason, VOCABULARIES.errorReason, prefixes))}</reason>`;
    }
    if (Array.isArray(value.correctiveEventIDs)) {
      out += this.list("correctiveEventIDs", "correctiveEventID", value.correctiveEventIDs);
    }
    out += this.extensions(
      value,
      new Set(["declarationTime", "reason", "correctiveEventIDs"]),
      prefixes,
    );
    return `<errorDeclaration>${out}</errorDeclaration>`;
  }

  private field(name: string, value: unknown, prefixes: Map<string, string>): string {
    switch (name) {
      case "epcList":
      case "childEPCs":
      case "inputEPCList":
      case "outputEPCList":
        return this.list(name, "epc", value);
      case "quantityList":
      case "childQuantityList":
      case "inputQuantityList":
      case "outputQuantityList":
        return this.quantities(name, value);
      case "bizStep":
        return `<bizStep>${text(this.cbv(String(value), VOCABULARIES.bizStep, prefixes))}</bizStep>`;
      case "disposition":
        return `<disposition>${text(this.cbv(String(value), VOCABULARIES.disposition, prefixes))}</disposition>`;
      case "readPoint":
      case "bizLocation":
        return this.place(name, value, prefixes);
      case "bizTransactionList":
        return this.typed(name, "bizTransaction", value, VOCABULARIES.bizTransactionType, prefixes);
      case "sourceList":
        return this.typed(name, "source", value, VOCABULARIES.sourceDestType, prefixes);
      case "destinationList":
        return this.typed(name, "destination", value, VOCABULARIES.sourceDestType, prefixes);
      case "persistentDisposition": {
        if (!isObject(value)) return "";
        let out = "";
        for (const key of ["unset", "set"]) {
          for (const v of Array.isArray(value[key]) ? (value[key] as unknown[]) : []) {
            out += `<${key}>${text(this.cbv(String(v), VOCABULARIES.disposition, prefixes))}</${key}>`;
          }
        }
        return `<persistentDisposition>${out}</persistentDisposition>`;
      }
      case "sensorElementList":
        return this.sensorElements(value, prefixes);
      case "ilmd":
        return isObject(value) ? `<ilmd>${this.extensions(value, new Set(), prefixes)}</ilmd>` : "";
      case "errorDeclaration":
        return this.errorDeclaration(value, prefixes);
      default:
        return `<${name}>${text(value)}</${name}>`;
    }
  }

  event(stored: StoredEvent, format: EpcFormat): string {
    const event = formatEvent(stored.document, format);
    const type = String(event.type);
    const order = ORDER[type];
    if (!order) return "";
    const prefixes = contextPrefixes(stored.context, event["@context"]);
    let out = "";
    for (const name of BASE) {
      if (event[name] !== undefined && event[name] !== null)
        out += this.field(name, event[name], prefixes);
    }
    // One certificationInfo in XML; a JSON-LD list of them keeps its first.
    const cert = Array.isArray(event.certificationInfo)
      ? event.certificationInfo[0]
      : event.certificationInfo;
    if (typeof cert === "string") out += `<certificationInfo>${text(cert)}</certificationInfo>`;
    for (const name of order) {
      if (event[name] !== undefined && event[name] !== null)
        out += this.field(name, event[name], prefixes);
    }
    out += this.extensions(
      event,
      new Set([...BASE, ...order, "type", "certificationInfo"]),
      prefixes,
    );
    return `<${type}>${out}</${type}>`;
  }
}

const SCHEMES = new Set(["urn", "http", "https", "gs1", "cbv", "ni", "mailto", "tag", "did"]);

/**
 * Prefixes of CURIE-like values (`example:x`) that the event's own context does not define:
 * they stay as written, so no namespace of the answer may take their name.
 */
function reserveUndeclaredPrefixes(stored: StoredEvent, reserved: Set<string>): void {
  const prefixes = contextPrefixes(stored.context, stored.document["@context"]);
  const visit = (v: unknown): void => {
    if (typeof v === "string") {
      const m = /^([A-Za-z_][A-Za-z0-9_.-]*):(?!\/\/)/.exec(v);
      if (m && !prefixes.has(m[1]!) && !SCHEMES.has(m[1]!.toLowerCase())) reserved.add(m[1]!);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v)) Object.values(v).forEach(visit);
  };
  visit(stored.document);
}

/** An EPCISQueryDocument in EPCIS 2.0 XML, valid against GS1's query XSD. */
export function queryDocumentXml(
  events: StoredEvent[],
  options: {
    format: EpcFormat;
    cbvFormat: CbvXmlFormat;
    now: Date;
    queryName?: string;
    subscriptionID?: string;
  },
): string {
  const writer = new Writer(options.cbvFormat);
  for (const e of events) reserveUndeclaredPrefixes(e, writer.ns.reserved);
  const eventXml = events.map((e) => writer.event(e, options.format)).join("");
  const subscription = options.subscriptionID
    ? `<subscriptionID>${text(options.subscriptionID)}</subscriptionID>`
    : "";
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<epcisq:EPCISQueryDocument xmlns:epcisq="${QUERY_NS["2.0"]}" xmlns:epcis="${EPCIS_NS["2.0"]}"${writer.ns.attributes()} schemaVersion="2.0" creationDate="${options.now.toISOString()}">`,
    `<EPCISBody><epcisq:QueryResults><queryName>${text(options.queryName ?? "SimpleEventQuery")}</queryName>${subscription}`,
    `<resultsBody><EventList>${eventXml}</EventList></resultsBody></epcisq:QueryResults></EPCISBody>`,
    "</epcisq:EPCISQueryDocument>\n",
  ].join("");
}
