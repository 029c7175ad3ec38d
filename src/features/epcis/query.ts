// The EPCIS query language over the ledger: the standard parameters turned into SQL on indexed columns.
import { and, eq, gte, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { digitalLinkToUrn, urnToDigitalLink } from "../../codes/epc-urn";
import { eventSubjects, events } from "../../db/schema";
import { standing } from "../../ledger/append";
import { canonicalGs1Identifier } from "../../ledger/epc-normalise";
import { AppError } from "../../lib/errors";
import { ATTRIBUTE_FIELDS, MASTER_DATA_PARAM, type ResolvedMasterData } from "./master-data-query";
import { identifierKey, MATCH_ROLES, type MatchParameter } from "./subjects";
import { type CbvVocabulary, cbvForms, VOCABULARIES } from "./vocab";

/** Query parameters as lists of strings, whether they came in a URL or a named query's JSON. */
export type QueryParams = Map<string, string[]>;

/** Page size when the client gives none (the standard's default), and the most one page holds. */
export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 1000;

export const exception = (detail: string, parameter?: string) =>
  new AppError("query_parameter", detail, {
    epcisException: "epcisException:QueryParameterException",
    ...(parameter ? { errors: [{ path: `query.${parameter}`, message: detail }] } : {}),
  });

const notImplemented = (parameter: string) =>
  new AppError(
    "not_implemented",
    `the query parameter ${parameter} is part of the EPCIS standard but this repository does not support it yet`,
    { epcisException: "epcisException:ImplementationException", parameter },
  );

/** URL query → QueryParams: repeated parameters and `|`-separated lists both give several values. */
export function paramsFromUrl(queries: Record<string, string[]>): QueryParams {
  const params: QueryParams = new Map();
  for (const [name, values] of Object.entries(queries)) {
    params.set(
      name,
      values.flatMap((v) => v.split("|")).filter((v) => v !== ""),
    );
  }
  return params;
}

/** A named query's JSON (query-schema.json) → QueryParams. */
export function paramsFromJson(query: Record<string, unknown>): QueryParams {
  const params: QueryParams = new Map();
  for (const [name, value] of Object.entries(query)) {
    if (name === "@context") continue;
    const list = Array.isArray(value) ? value : value === null ? [] : [value];
    params.set(
      name,
      list.map((v) => String(v)),
    );
  }
  return params;
}

// Parameters of the standard this repository does not answer (501 rather than a wrong result).
const UNSUPPORTED = new Set([
  "EQ_quantity",
  "GT_quantity",
  "GE_quantity",
  "LT_quantity",
  "LE_quantity",
  "EXISTS_sensorElementList",
  "GE_time",
  "LT_time",
  "GE_startTime",
  "LT_startTime",
  "GE_endTime",
  "LT_endTime",
  "EQ_type",
  "EQ_deviceID",
  "EQ_dataProcessingMethod",
  "EQ_microorganism",
  "EQ_chemicalSubstance",
  "EQ_bizRules",
  "EQ_stringValue",
  "EQ_hexBinaryValue",
  "EQ_uriValue",
  "EQ_booleanValue",
  "GE_percRank",
  "LT_percRank",
  "GT_percRank",
  "LE_percRank",
]);
// Families of standard parameters named after a field, a uom or an attribute.
const UNSUPPORTED_FAMILIES = [
  /^(?:EQ|GT|GE|LT|LE)_(?:value|minValue|maxValue|meanValue|sDev|percValue)_/,
  /^(?:EQ|GT|GE|LT|LE|EXISTS)_(?:INNER_|ILMD_|SENSORELEMENT_|SENSORMETADATA_|SENSORREPORT_)/,
  // EQ_{fieldname} and friends on an extension field, named with its namespace.
  /^(?:EQ|GT|GE|LT|LE|EXISTS)_.*[:#]/,
];

const PAGING = new Set(["perPage", "nextPageToken"]);

export interface ParsedQuery {
  where: SQL | undefined;
  orderBy: "eventTime" | "recordTime" | null;
  direction: "asc" | "desc";
  eventCountLimit: number | null;
  maxEventCount: number | null;
  /** Identifies the query in page tokens, so a token cannot continue another query. */
  fingerprint: string;
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

function time(name: string, values: string[]): Date {
  // A `+` in an unencoded URL arrives as a space.
  const value = (values[0] ?? "").replace(" ", "+");
  if (values.length !== 1 || !TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw exception(
      `${name} must be one date-time with a time zone, e.g. 2026-06-01T00:00:00.000+08:00 (got '${values.join("|")}')`,
      name,
    );
  }
  return new Date(value);
}

function positiveInt(name: string, values: string[]): number {
  const n = Number(values[0]);
  if (values.length !== 1 || !Number.isInteger(n) || n < 1) {
    throw exception(`${name} must be a positive integer (got '${values.join("|")}')`, name);
  }
  return n;
}

function nonEmpty(name: string, values: string[]): string[] {
  if (values.length === 0) throw exception(`${name} needs at least one value`, name);
  return values;
}

function termForms(values: string[], vocabulary: CbvVocabulary): string[] {
  return [...new Set(values.flatMap((v) => cbvForms(v, vocabulary)))];
}

/** The spellings of a location or party identifier: as given, as Digital Link, as EPC URN. */
export function identifierForms(value: string): string[] {
  const forms = new Set([value]);
  const canonical = canonicalGs1Identifier(value);
  if (canonical) forms.add(canonical);
  if (value.startsWith("urn:epc:")) {
    const dl = urnToDigitalLink(value);
    if (dl) forms.add(dl);
  } else if (canonical) {
    // A Digital Link does not say where the company prefix ends: try every length.
    for (let length = 6; length <= 12; length++) {
      try {
        const urn = digitalLinkToUrn(value, length);
        if (urn) forms.add(urn);
      } catch {
        // not expressible as an EPC URN with this prefix length
      }
    }
  }
  return [...forms];
}

const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function matchFilter(parameter: MatchParameter, values: string[]): SQL {
  const roles: string[] = [...MATCH_ROLES[parameter]];
  const classes = parameter.endsWith("Class");
  const keys: string[] = [];
  const patterns: { product: string; prefix: string }[] = [];
  for (const value of values) {
    const { key } = identifierKey(value);
    // An EPC pattern (urn:epc:idpat:sgtin:0614141.107346.*) names every instance of a product,
    // or for a class parameter the product and its lots.
    if (value.startsWith("urn:epc:idpat:") && key.startsWith("/01/")) {
      if (classes) keys.push(key);
      patterns.push({ product: key, prefix: classes ? `${key}/10/` : `${key}/` });
    } else keys.push(key);
  }
  const s = alias(eventSubjects, "s");
  // Input and output lists hold instances and classes under one role: tell them apart by level.
  const both = parameter.startsWith("MATCH_input") || parameter.startsWith("MATCH_output");
  const level = !both
    ? undefined
    : classes
      ? sql`(${s.level} in ('lot', 'product') or ${s.subjectKey} like 'urn:epc:class:%' or ${s.subjectKey} like 'urn:epc:idpat:%')`
      : sql`(${s.level} not in ('lot', 'product') and ${s.subjectKey} not like 'urn:epc:class:%' and ${s.subjectKey} not like 'urn:epc:idpat:%')`;
  const exact =
    keys.length > 0
      ? sql`${events.id} in (select ${s.eventId} from ${eventSubjects} as "s" where ${and(inArray(s.subjectKey, keys), inArray(s.role, roles), level)})`
      : undefined;
  // A pattern: the events whose product context is that product (by index), then among those
  // the ones naming an instance of it in the right role.
  const byPattern = patterns.map(
    ({ product, prefix }) =>
      sql`(${events.id} in (select ${eventSubjects.eventId} from ${eventSubjects} where ${and(
        eq(eventSubjects.subjectKey, product),
        eq(eventSubjects.role, "context"),
      )}) and exists (select 1 from ${eventSubjects} as "s" where ${and(
        sql`${s.eventId} = ${events.id}`,
        sql`${s.subjectKey} like ${likePrefix(prefix)}`,
        inArray(s.role, roles),
        level,
      )}))`,
  );
  return or(exact, ...byPattern) ?? sql`false`;
}

/**
 * HASATTR_{field} and EQATTR_{field}_{attribute}: the events whose field names an element whose
 * master data has the attribute (with one of the values). Fields: readPoint, bizLocation, epcClass.
 */
function attributeFilter(
  name: string,
  [, kind, field = "", attr]: RegExpExecArray,
  _values: string[],
  masterData: ResolvedMasterData,
): SQL {
  if (!(field in ATTRIBUTE_FIELDS)) {
    throw notImplemented(`${name} (master data is queried on readPoint, bizLocation and epcClass)`);
  }
  if (kind === "EQATTR" && !attr) {
    throw exception(`${name} must name an attribute: EQATTR_${field}_{attribute name}`, name);
  }
  if (kind === "HASATTR" && attr) {
    throw exception(`${name}: HASATTR_${field} takes attribute names as its values`, name);
  }
  const ids = masterData.get(name) ?? [];
  if (ids.length === 0) return sql`false`;
  if (field === "readPoint") return inArray(events.readPoint, ids);
  if (field === "bizLocation") return inArray(events.bizLocation, ids);
  return sql`${events.id} in (select ${eventSubjects.eventId} from ${eventSubjects} where ${and(
    inArray(eventSubjects.subjectKey, ids),
    inArray(eventSubjects.role, ["quantity", "input", "output"]),
  )})`;
}

/** An event's typed list (bizTransactionList, sourceList…) holds an entry of one of `types` with one of `values`. */
function typedListFilter(list: string, idField: string, types: string[], values: string[]): SQL {
  const doc = sql`${events.document}`;
  return sql`exists (select 1 from jsonb_array_elements(case when jsonb_typeof(${doc}->${list}) = 'array' then ${doc}->${list} else '[]'::jsonb end) as entry
    where entry->>'type' in (${sql.join(
      types.map((t) => sql`${t}`),
      sql`, `,
    )}) and entry->>${idField} in (${sql.join(
      values.map((v) => sql`${v}`),
      sql`, `,
    )}))`;
}

function jsonAny(path: SQL, values: string[]): SQL {
  return sql`jsonb_exists_any(case when jsonb_typeof(${path}) = 'array' then ${path} else '[]'::jsonb end, array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[])`;
}

const TYPED = /^EQ_(bizTransaction|source|destination)_(.+)$/;
const TYPED_LISTS = {
  bizTransaction: ["bizTransactionList", "bizTransaction", VOCABULARIES.bizTransactionType],
  source: ["sourceList", "source", VOCABULARIES.sourceDestType],
  destination: ["destinationList", "destination", VOCABULARIES.sourceDestType],
} as const;

function fingerprintOf(params: QueryParams): string {
  const canonical = JSON.stringify(
    [...params.entries()].filter(([k]) => !PAGING.has(k)).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  // FNV-1a: enough to tell one query's tokens from another's (tokens are not a security boundary).
  let h = 0x811c9dc5;
  for (let i = 0; i < canonical.length; i++) {
    h ^= canonical.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/** Turns the standard's query parameters into SQL; an unknown or malformed one is a QueryParameterException. */
export function parseQuery(
  params: QueryParams,
  masterData: ResolvedMasterData = new Map(),
): ParsedQuery {
  const filters: (SQL | undefined)[] = [];
  let orderBy: ParsedQuery["orderBy"] = null;
  let direction: ParsedQuery["direction"] | null = null;
  let eventCountLimit: number | null = null;
  let maxEventCount: number | null = null;
  const doc = sql`${events.document}`;
  for (const [name, raw] of params) {
    if (PAGING.has(name)) continue;
    const values = raw;
    if (name in MATCH_ROLES) {
      filters.push(matchFilter(name as MatchParameter, nonEmpty(name, values)));
      continue;
    }
    const typed = TYPED.exec(name);
    if (typed) {
      const [list, idField, vocabulary] = TYPED_LISTS[typed[1] as keyof typeof TYPED_LISTS];
      const types = cbvForms(typed[2]!, vocabulary);
      const ids = [...new Set(nonEmpty(name, values).flatMap(identifierForms))];
      filters.push(typedListFilter(list, idField, types, ids));
      continue;
    }
    switch (name) {
      case "eventType":
        filters.push(inArray(events.eventType, nonEmpty(name, values)));
        break;
      case "GE_eventTime":
        filters.push(gte(events.eventTime, time(name, values)));
        break;
      case "LT_eventTime":
        filters.push(lt(events.eventTime, time(name, values)));
        break;
      case "GE_recordTime":
        filters.push(gte(events.recordTime, time(name, values)));
        break;
      case "LT_recordTime":
        filters.push(lt(events.recordTime, time(name, values)));
        break;
      case "EQ_action": {
        const bad = nonEmpty(name, values).filter((v) => !["ADD", "OBSERVE", "DELETE"].includes(v));
        if (bad.length > 0)
          throw exception(`EQ_action takes ADD, OBSERVE or DELETE (got '${bad.join("|")}')`, name);
        filters.push(inArray(events.action, values));
        break;
      }
      case "EQ_bizStep":
        filters.push(
          inArray(events.bizStep, termForms(nonEmpty(name, values), VOCABULARIES.bizStep)),
        );
        break;
      case "EQ_disposition":
        filters.push(
          inArray(events.disposition, termForms(nonEmpty(name, values), VOCABULARIES.disposition)),
        );
        break;
      case "EQ_persistentDisposition_set":
      case "EQ_persistentDisposition_unset": {
        const key = name.endsWith("_set") ? "set" : "unset";
        const forms = termForms(nonEmpty(name, values), VOCABULARIES.disposition);
        filters.push(jsonAny(sql`${doc}->'persistentDisposition'->${key}`, forms));
        break;
      }
      case "EQ_readPoint":
        filters.push(inArray(events.readPoint, nonEmpty(name, values).flatMap(identifierForms)));
        break;
      case "EQ_bizLocation":
        filters.push(inArray(events.bizLocation, nonEmpty(name, values).flatMap(identifierForms)));
        break;
      case "WD_readPoint":
      case "WD_bizLocation": {
        // The values and their descendants in the master data (resolveMasterDataParams).
        const forms = masterData.get(name) ?? nonEmpty(name, values).flatMap(identifierForms);
        const column = name === "WD_readPoint" ? events.readPoint : events.bizLocation;
        filters.push(inArray(column, nonEmpty(name, forms)));
        break;
      }
      case "EQ_transformationID":
        filters.push(
          sql`${doc}->>'transformationID' in (${sql.join(
            nonEmpty(name, values).map((v) => sql`${v}`),
            sql`, `,
          )})`,
        );
        break;
      case "EQ_eventID":
        filters.push(inArray(events.eventId, nonEmpty(name, values)));
        break;
      case "EXISTS_errorDeclaration":
        filters.push(sql`jsonb_exists(${doc}, 'errorDeclaration')`);
        break;
      case "GE_errorDeclarationTime":
      case "GE_errorDeclaration_Time":
        filters.push(
          sql`(${doc}->'errorDeclaration'->>'declarationTime')::timestamptz >= ${time(name, values).toISOString()}`,
        );
        break;
      case "LT_errorDeclarationTime":
      case "LT_errorDeclaration_Time":
        filters.push(
          sql`(${doc}->'errorDeclaration'->>'declarationTime')::timestamptz < ${time(name, values).toISOString()}`,
        );
        break;
      case "EQ_errorReason":
        filters.push(
          sql`${doc}->'errorDeclaration'->>'reason' in (${sql.join(
            termForms(nonEmpty(name, values), VOCABULARIES.errorReason).map((v) => sql`${v}`),
            sql`, `,
          )})`,
        );
        break;
      case "EQ_correctiveEventID":
        filters.push(
          jsonAny(sql`${doc}->'errorDeclaration'->'correctiveEventIDs'`, nonEmpty(name, values)),
        );
        break;
      case "orderBy": {
        const value = values[0];
        if (values.length !== 1) throw exception("orderBy takes one field name", name);
        if (value === "eventTime" || value === "recordTime") orderBy = value;
        else if (value?.includes(":") || value?.includes("#"))
          throw notImplemented(`orderBy=${value}`);
        else
          throw exception(
            `orderBy must be eventTime, recordTime or an extension field (got '${value}')`,
            name,
          );
        break;
      }
      case "orderDirection": {
        const value = values[0];
        if (values.length !== 1 || (value !== "ASC" && value !== "DESC")) {
          throw exception(`orderDirection must be ASC or DESC (got '${values.join("|")}')`, name);
        }
        direction = value === "ASC" ? "asc" : "desc";
        break;
      }
      case "eventCountLimit":
        eventCountLimit = positiveInt(name, values);
        break;
      case "maxEventCount":
        maxEventCount = positiveInt(name, values);
        break;
      default: {
        const attribute = MASTER_DATA_PARAM.exec(name);
        if (attribute) {
          filters.push(attributeFilter(name, attribute, nonEmpty(name, values), masterData));
          break;
        }
        if (UNSUPPORTED.has(name) || UNSUPPORTED_FAMILIES.some((f) => f.test(name))) {
          throw notImplemented(name);
        }
        throw exception(`unknown query parameter '${name}'`, name);
      }
    }
  }
  if (eventCountLimit !== null && maxEventCount !== null) {
    throw exception("eventCountLimit and maxEventCount cannot be used together", "eventCountLimit");
  }
  if (eventCountLimit !== null && orderBy === null) {
    throw exception("eventCountLimit needs orderBy", "eventCountLimit");
  }
  // An event declared erroneous is answered in its declared form (the declaration row) only.
  filters.push(standing(events.id));
  return {
    where: and(...filters),
    orderBy,
    direction: direction ?? (orderBy ? "desc" : "asc"),
    eventCountLimit,
    maxEventCount,
    fingerprint: fingerprintOf(params),
  };
}
