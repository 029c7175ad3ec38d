// Validation of EPCIS documents and events: the standard's JSON Schema, then CBV vocabularies and GS1 identifiers.
import type { ErrorObject, ValidateFunction } from "ajv";
import { parseCode } from "../../codes";
import { canonicalGs1Identifier } from "../../ledger/epc-normalise";
import type { FieldError } from "../../lib/errors";
import * as generated from "./validators.generated";
import { type CbvVocabulary, cbvTerm, contextPrefixes, VOCABULARIES } from "./vocab";

// Generated from the schemas by scripts/gen-epcis-validators.ts: Workers cannot compile them at
// run time, and a process no longer spends a quarter of a second doing it.
const compiled = {
  document: generated.document as ValidateFunction,
  query: generated.query as ValidateFunction,
};
const validators = () => compiled;

export type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The outcome of validating a document: problems of the document as a whole and per event. */
export interface Validation {
  document: FieldError[];
  events: Map<number, FieldError[]>;
}

const EVENT_PATH = /^\/epcisBody\/(?:queryResults\/resultsBody\/)?eventList\/(\d+)(\/.*)?$/;

function pointerValue(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (Array.isArray(node)) node = node[Number(part)];
    else if (isObject(node)) node = node[part];
    else return undefined;
  }
  return node;
}

const show = (value: unknown) => {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text === undefined ? "" : text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const VOCABULARY_FIELDS: Record<string, string> = {
  bizStep: "a CBV 2.0 business step",
  disposition: "a CBV 2.0 disposition",
  set: "a CBV 2.0 disposition",
  unset: "a CBV 2.0 disposition",
  reason: "a CBV 2.0 error reason",
};

/** One readable message per failing field, from ajv's errors (which repeat themselves through anyOf/if). */
function describe(errors: ErrorObject[], root: unknown): { path: string; message: string }[] {
  const out = new Map<string, { path: string; message: string }>();
  const paths = new Set(errors.map((e) => e.instancePath));
  for (const e of errors) {
    if (e.keyword === "if") continue;
    const value = pointerValue(root, e.instancePath);
    const field = e.instancePath.split("/").pop() ?? "";
    let path = e.instancePath;
    let message: string;
    const vocabulary = VOCABULARY_FIELDS[field] ?? (field === "type" ? "a CBV 2.0 type" : null);
    if (
      vocabulary &&
      typeof value === "string" &&
      (e.keyword === "anyOf" || e.keyword === "enum" || e.keyword === "format")
    ) {
      message = `'${show(value)}' is neither ${vocabulary} nor an absolute URI`;
    } else if (e.keyword === "anyOf" || e.keyword === "oneOf" || e.keyword === "allOf") {
      // Only worth reporting when nothing more precise was said about this field or below it.
      const deeper = [...paths].some((p) => p !== path && p.startsWith(`${path}/`));
      const same = errors.some(
        (o) => o.instancePath === path && !["anyOf", "oneOf", "allOf", "if"].includes(o.keyword),
      );
      if (deeper || same) continue;
      message = "does not match any of the allowed shapes";
    } else if (e.keyword === "required") {
      message = `missing required field '${(e.params as { missingProperty: string }).missingProperty}'`;
    } else if (e.keyword === "additionalProperties") {
      const name = (e.params as { additionalProperty: string }).additionalProperty;
      path = `${path}/${name}`;
      message = `unknown field '${name}'`;
    } else if (e.keyword === "propertyNames") {
      const name = (e.params as { propertyName: string }).propertyName;
      path = `${path}/${name}`;
      message = `field name '${name}' is not allowed here (a user extension needs a namespace prefix declared in @context)`;
    } else if (e.keyword === "format") {
      const format = (e.params as { format: string }).format;
      // propertyNames failures repeat as format errors on the name; the propertyNames message covers them.
      if (e.propertyName !== undefined) continue;
      message = `'${show(value)}' is not a valid ${format === "date-time" ? "date-time with a time zone (e.g. 2026-06-01T08:00:00.000+08:00)" : format}`;
    } else if (e.keyword === "enum") {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      message = `'${show(value)}' is not one of ${allowed.slice(0, 8).map(show).join(", ")}${allowed.length > 8 ? ", ..." : ""}`;
    } else {
      message = `${e.message ?? "is invalid"}${value !== undefined && typeof value !== "object" ? ` (got '${show(value)}')` : ""}`;
    }
    out.set(`${path}\u0000${message}`, { path, message });
  }
  return [...out.values()];
}

const pointerToPath = (pointer: string) => pointer.split("/").slice(1).join(".");

/** Validates a capture document (EPCISDocument or EPCISQueryDocument) against the EPCIS JSON Schema. */
export function validateDocument(doc: unknown): Validation {
  const validation: Validation = { document: [], events: new Map() };
  const validate = validators().document;
  if (!validate(doc)) {
    for (const { path, message } of describe(validate.errors ?? [], doc)) {
      const m = EVENT_PATH.exec(path);
      if (m) {
        const index = Number(m[1]);
        const list = validation.events.get(index) ?? [];
        list.push({ path: pointerToPath(path), message, code: "schema" });
        validation.events.set(index, list);
      } else {
        validation.document.push({
          path: pointerToPath(path) || "document",
          message,
          code: "schema",
        });
      }
    }
  }
  return validation;
}

/** Validates one event (POST /epcis/events: an event with its own @context). */
export function validateSingleEvent(event: unknown): FieldError[] {
  const validate = validators().document;
  if (!isObject(event) || typeof event.type !== "string" || /Document$/.test(event.type)) {
    return [{ path: "type", message: "the body must be one EPCIS event", code: "schema" }];
  }
  if (validate(event)) return [];
  return describe(validate.errors ?? [], event).map(({ path, message }) => ({
    path: pointerToPath(path) || "event",
    message,
    code: "schema",
  }));
}

/** Validates a named query's definition against the standard's query schema. */
export function validateQueryDefinition(query: unknown): FieldError[] {
  const validate = validators().query;
  if (validate(query)) return [];
  return describe(validate.errors ?? [], query).map(({ path, message }) => ({
    path: `query${path ? `.${pointerToPath(path)}` : ""}`,
    message,
    code: "schema",
  }));
}

// GS1 EPC schemes: a URN of one of these must be a well-formed key (non-GS1 schemes pass as they are).
const GS1_URN =
  /^urn:epc:(?:id|class|idpat):(?:sgtin|sscc|sgln|grai|giai|gsrn|gsrnp|gdti|cpi|sgcn|ginc|gsin|itip|upui|pgln|lgtin):/;

function checkIdentifier(value: unknown, path: string, errors: FieldError[]): void {
  if (typeof value !== "string") return;
  const dl = canonicalGs1Identifier(value);
  if (dl === null) {
    if (GS1_URN.test(value) || value.startsWith("https://id.gs1.org/")) {
      errors.push({ path, message: `'${show(value)}' is not a valid GS1 key`, code: "identifier" });
    }
    return;
  }
  const parsed = parseCode(dl, { gbt33993: false });
  if (!parsed.ok) {
    errors.push({
      path,
      message: `'${show(value)}' is not a valid GS1 key: ${parsed.error.message}`,
      code: "identifier",
    });
  }
}

const ID_LISTS = ["epcList", "childEPCs", "inputEPCList", "outputEPCList"];
const QUANTITY_LISTS = [
  "quantityList",
  "childQuantityList",
  "inputQuantityList",
  "outputQuantityList",
];

function checkTerm(
  value: unknown,
  vocabulary: CbvVocabulary,
  what: string,
  path: string,
  prefixes: Map<string, string>,
  errors: FieldError[],
): void {
  if (typeof value !== "string") return;
  const term = cbvTerm(value, vocabulary, prefixes);
  if (term !== null && typeof term !== "string") {
    errors.push({
      path,
      message: `'${show(value)}' names ${what} '${term.unknown}' that CBV 2.0 does not define`,
      code: "vocabulary",
    });
  }
}

/**
 * What the JSON Schema cannot see: CBV terms written as web URIs, CURIEs or URNs must exist in
 * CBV 2.0, and GS1 keys (EPC URNs, Digital Links) must be well formed (check digits included).
 * Identifiers unknown to this service are fine: a repository records what others saw.
 */
export function checkEvent(event: JsonObject, documentContext: unknown, base = ""): FieldError[] {
  const errors: FieldError[] = [];
  const at = (p: string) => (base ? `${base}.${p}` : p);
  const prefixes = contextPrefixes(documentContext, event["@context"]);
  const v = VOCABULARIES;
  checkTerm(event.bizStep, v.bizStep, "a business step", at("bizStep"), prefixes, errors);
  checkTerm(event.disposition, v.disposition, "a disposition", at("disposition"), prefixes, errors);
  const persistent = event.persistentDisposition;
  if (isObject(persistent)) {
    for (const key of ["set", "unset"]) {
      const list = persistent[key];
      if (Array.isArray(list)) {
        list.forEach((d, i) => {
          checkTerm(
            d,
            v.disposition,
            "a disposition",
            at(`persistentDisposition.${key}.${i}`),
            prefixes,
            errors,
          );
        });
      }
    }
  }
  const typed: [string, CbvVocabulary, string][] = [
    ["bizTransactionList", v.bizTransactionType, "a business transaction type"],
    ["sourceList", v.sourceDestType, "a source/destination type"],
    ["destinationList", v.sourceDestType, "a source/destination type"],
  ];
  for (const [field, vocabulary, what] of typed) {
    const list = event[field];
    if (!Array.isArray(list)) continue;
    list.forEach((item, i) => {
      if (isObject(item))
        checkTerm(item.type, vocabulary, what, at(`${field}.${i}.type`), prefixes, errors);
    });
  }
  const declaration = event.errorDeclaration;
  if (isObject(declaration)) {
    checkTerm(
      declaration.reason,
      v.errorReason,
      "an error reason",
      at("errorDeclaration.reason"),
      prefixes,
      errors,
    );
  }
  checkIdentifier(event.parentID, at("parentID"), errors);
  for (const field of ID_LISTS) {
    const list = event[field];
    if (!Array.isArray(list)) continue;
    list.forEach((epc, i) => {
      checkIdentifier(epc, at(`${field}.${i}`), errors);
    });
  }
  for (const field of QUANTITY_LISTS) {
    const list = event[field];
    if (!Array.isArray(list)) continue;
    list.forEach((q, i) => {
      if (isObject(q)) checkIdentifier(q.epcClass, at(`${field}.${i}.epcClass`), errors);
    });
  }
  return errors;
}
