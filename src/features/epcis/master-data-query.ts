// The query parameters that read master data (WD_, HASATTR_, EQATTR_), resolved to identifiers before the SQL is built.
import { and, inArray, or, sql } from "drizzle-orm";
import { jsonValue } from "../../db/json-rows";
import { epcisVocabularyElements } from "../../db/schema";
import type { Db } from "../../db/types";
import { attributeName, elementKey, LOCATION_TYPES, VTYPE } from "./master-data";
import { identifierForms, type QueryParams } from "./query";
import { identifierKey } from "./subjects";
import { isObject } from "./validate";

/** Parameter name → the identifiers it stands for (event spellings for places, subject keys for classes). */
export type ResolvedMasterData = Map<string, string[]>;

/** Fields whose values have master data this repository queries, with their vocabulary. */
export const ATTRIBUTE_FIELDS: Record<string, string> = {
  readPoint: VTYPE.readPoint,
  bizLocation: VTYPE.bizLocation,
  epcClass: VTYPE.epcClass,
};

export const MASTER_DATA_PARAM = /^(HASATTR|EQATTR)_([A-Za-z]+)(?:_(.+))?$/;

/** The keys of these locations and of every descendant, through the children of any location vocabulary. */
async function withDescendants(db: Db, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const result = await db.execute(sql`
    with recursive tree(key) as (
      select unnest(${sql`array[${sql.join(
        keys.map((k) => sql`${k}`),
        sql`, `,
      )}]::text[]`})
      union
      select c.child from tree t
        join ${epcisVocabularyElements} v on v.key = t.key and v.type in (${sql.join(
          LOCATION_TYPES.map((t) => sql`${t}`),
          sql`, `,
        )})
        cross join lateral unnest(v.child_keys) as c(child)
    )
    select coalesce(json_agg(key), '[]'::json) as v from (select key from tree limit 100001) k`);
  const row = jsonValue<string[]>(result);
  return row ?? keys;
}

function matches(value: unknown, wanted: Set<string>): boolean {
  if (Array.isArray(value)) return value.some((v) => matches(v, wanted));
  if (isObject(value)) return typeof value["@value"] === "string" && wanted.has(value["@value"]);
  return (
    (typeof value === "string" || typeof value === "number" || typeof value === "boolean") &&
    wanted.has(String(value))
  );
}

/** Keys of the elements of `type` that have attribute `name` (with one of `values`, when given). */
async function withAttribute(
  db: Db,
  type: string,
  names: string[],
  values?: string[],
): Promise<string[]> {
  const rows = await db
    .select({ key: epcisVocabularyElements.key, attributes: epcisVocabularyElements.attributes })
    .from(epcisVocabularyElements)
    .where(
      and(
        inArray(epcisVocabularyElements.type, [type]),
        or(
          ...names.map(
            (n) =>
              sql`${epcisVocabularyElements.attributes} @> ${JSON.stringify([{ id: n }])}::jsonb`,
          ),
        ),
      ),
    );
  if (!values) return rows.map((r) => r.key);
  const wanted = new Set(values);
  return rows
    .filter((r) => r.attributes.some((a) => names.includes(a.id) && matches(a.attribute, wanted)))
    .map((r) => r.key);
}

/** A place key as every spelling an event may give it (URN with any company prefix length, Digital Link). */
function placeForms(keys: string[]): string[] {
  return [...new Set(keys.flatMap(identifierForms))];
}

/**
 * Looks up the master data the query's WD_, HASATTR_ and EQATTR_ parameters need. Unknown or
 * malformed ones are left to parseQuery, which reports them.
 */
export async function resolveMasterDataParams(
  db: Db,
  params: QueryParams,
): Promise<ResolvedMasterData> {
  const resolved: ResolvedMasterData = new Map();
  for (const [name, values] of params) {
    if (values.length === 0) continue;
    if (name === "WD_readPoint" || name === "WD_bizLocation") {
      const keys = await withDescendants(db, [...new Set(values.map(elementKey))]);
      resolved.set(name, placeForms([...new Set([...values, ...keys])]));
      continue;
    }
    const m = MASTER_DATA_PARAM.exec(name);
    if (!m) continue;
    const [, kind, field = "", attr] = m;
    const type = ATTRIBUTE_FIELDS[field];
    if (!type) continue;
    const names =
      kind === "HASATTR" ? values.map((v) => attributeName(v)) : attr ? [attributeName(attr)] : [];
    if (names.length === 0) continue;
    const keys = await withAttribute(db, type, names, kind === "EQATTR" ? values : undefined);
    resolved.set(
      name,
      field === "epcClass" ? [...new Set(keys.map((k) => identifierKey(k).key))] : placeForms(keys),
    );
  }
  return resolved;
}
