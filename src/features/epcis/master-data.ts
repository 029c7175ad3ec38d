// EPCIS master data: the vocabularies of a document's header (locations, parties, classes…), checked and stored.
import { and, eq, inArray, or, sql } from "drizzle-orm";
import {
  epcisVocabularyElements,
  epcisVocabularyHistory,
  type MasterDataAttribute,
} from "../../db/schema";
import type { Db } from "../../db/types";
import { canonicalGs1Identifier } from "../../ledger/epc-normalise";
import { AppError, type FieldError } from "../../lib/errors";
import { EPCIS_EXCEPTION } from "./capture";
import { isObject, type JsonObject } from "./validate";
import { contextPrefixes, expandCurie } from "./vocab";

export const VTYPE = {
  readPoint: "urn:epcglobal:epcis:vtype:ReadPoint",
  bizLocation: "urn:epcglobal:epcis:vtype:BusinessLocation",
  epcClass: "urn:epcglobal:epcis:vtype:EPCClass",
} as const;
/** Vocabularies of places: one hierarchy, whichever of them a document describes it in. */
export const LOCATION_TYPES = [VTYPE.readPoint, VTYPE.bizLocation];

/** Most vocabulary elements one document may describe. */
export const MASTER_DATA_LIMIT = 10_000;

export interface VocabularyElementInput {
  type: string;
  key: string;
  elementId: string;
  attributes: MasterDataAttribute[];
  children: string[];
  childKeys: string[];
}

/** The canonical id of a vocabulary element: the Digital Link of a GS1 key, else the id itself. */
export function elementKey(id: string): string {
  try {
    return canonicalGs1Identifier(id) ?? id;
  } catch {
    return id;
  }
}

const CBV_MDA_1X = "urn:epcglobal:cbv:mda#";
const CBV_MDA = "urn:epcglobal:cbv:mda:";

/** An attribute name in one spelling: CURIEs expanded, CBV 1.x `urn:epcglobal:cbv:mda#x` as CBV 2.0 `urn:epcglobal:cbv:mda:x`. */
export function attributeName(id: string, prefixes = contextPrefixes()): string {
  const expanded = expandCurie(
    id,
    prefixes.has("cbvmda") ? prefixes : new Map([...prefixes, ["cbvmda", CBV_MDA]]),
  );
  return expanded.startsWith(CBV_MDA_1X) ? CBV_MDA + expanded.slice(CBV_MDA_1X.length) : expanded;
}

const isAbsoluteUri = (value: string) => /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(value);

/**
 * The vocabulary elements of a document's `epcisHeader.epcisMasterData`, with what is wrong with
 * them (the JSON Schema has already checked their shape).
 */
export function masterDataOf(doc: unknown): {
  elements: VocabularyElementInput[];
  problems: FieldError[];
} {
  const problems: FieldError[] = [];
  if (!isObject(doc)) return { elements: [], problems };
  const header = doc.epcisHeader;
  const masterData = isObject(header) ? header.epcisMasterData : undefined;
  const list = isObject(masterData) ? masterData.vocabularyList : undefined;
  if (!Array.isArray(list)) return { elements: [], problems };
  const prefixes = contextPrefixes(doc["@context"]);
  const byKey = new Map<string, VocabularyElementInput>();
  list.forEach((vocabulary, v) => {
    if (!isObject(vocabulary) || typeof vocabulary.type !== "string") return;
    const path = `epcisHeader.epcisMasterData.vocabularyList.${v}`;
    const type = expandCurie(vocabulary.type, prefixes);
    if (!isAbsoluteUri(type)) {
      problems.push({
        path: `${path}.type`,
        message: `'${type}' is not an absolute URI`,
        code: "schema",
      });
      return;
    }
    const elements = Array.isArray(vocabulary.vocabularyElementList)
      ? vocabulary.vocabularyElementList
      : [];
    elements.forEach((element, e) => {
      if (!isObject(element) || typeof element.id !== "string") return;
      const at = `${path}.vocabularyElementList.${e}`;
      const id = expandCurie(element.id, prefixes);
      if (!isAbsoluteUri(id)) {
        problems.push({
          path: `${at}.id`,
          message: `'${id}' is not an absolute URI`,
          code: "schema",
        });
        return;
      }
      const attributes: MasterDataAttribute[] = (
        Array.isArray(element.attributes) ? element.attributes : []
      )
        .filter((a): a is JsonObject => isObject(a) && typeof a.id === "string")
        .map((a) => {
          const out: MasterDataAttribute = { id: attributeName(a.id as string, prefixes) };
          if (a.attribute !== undefined) out.attribute = a.attribute;
          return out;
        });
      const children = (Array.isArray(element.children) ? element.children : [])
        .filter((c): c is string => typeof c === "string")
        .map((c) => expandCurie(c, prefixes));
      const key = elementKey(id);
      const childKeys = [...new Set(children.map(elementKey))].filter((k) => k !== key);
      // The same element twice in one document: the later description is the one kept.
      byKey.set(`${type}\u0000${key}`, {
        type,
        key,
        elementId: id,
        attributes,
        children,
        childKeys,
      });
    });
  });
  const elements = [...byKey.values()];
  if (elements.length > MASTER_DATA_LIMIT) {
    problems.push({
      path: "epcisHeader.epcisMasterData",
      message: `${elements.length} vocabulary elements; one document may describe at most ${MASTER_DATA_LIMIT}`,
      code: "limit",
    });
  }
  return { elements, problems };
}

export function masterDataRefused(problems: FieldError[]): AppError {
  const first = problems[0]!;
  return new AppError(
    "epcis_validation",
    `the document was refused whole, nothing was stored: ${first.path}: ${first.message}`,
    { epcisException: EPCIS_EXCEPTION.validation, errors: problems.slice(0, 1000) },
  );
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Stores the elements in the caller's transaction. An element belongs to the organisation that
 * first described it: a later description by another organisation (other than a regulator) is
 * refused (403), so no one renames another's warehouse on a consumer's scan page. A description
 * equal to the stored one changes nothing; a different one replaces it (last writer wins among
 * those allowed) and is kept as a new version in the history.
 */
export async function storeMasterData(
  tx: Db,
  elements: VocabularyElementInput[],
  by: { orgId: string; regulator: boolean; captureId: string | null; now: Date },
): Promise<{ created: number; updated: number; unchanged: number }> {
  const counts = { created: 0, updated: 0, unchanged: 0 };
  for (let i = 0; i < elements.length; i += 500) {
    const chunk = elements.slice(i, i + 500);
    const existing = await tx
      .select()
      .from(epcisVocabularyElements)
      .where(
        or(
          ...chunk.map((e) =>
            and(eq(epcisVocabularyElements.type, e.type), eq(epcisVocabularyElements.key, e.key)),
          ),
        ),
      )
      .for("update");
    const stored = new Map(existing.map((r) => [`${r.type}\u0000${r.key}`, r]));
    const foreign = existing.filter((r) => r.ownerOrgId !== by.orgId);
    if (foreign.length > 0 && !by.regulator) {
      const f = foreign[0]!;
      throw new AppError(
        "forbidden",
        `the master data of ${f.elementId} (${f.type}) was described by organisation ${f.ownerOrgId}; only it or a regulator may change it. Nothing was stored`,
        {
          epcisException: "epcisException:SecurityException",
          elements: foreign.slice(0, 100).map((r) => ({ type: r.type, id: r.elementId })),
        },
      );
    }
    for (const e of chunk) {
      const old = stored.get(`${e.type}\u0000${e.key}`);
      if (old && sameJson(old.attributes, e.attributes) && sameJson(old.children, e.children)) {
        counts.unchanged++;
        continue;
      }
      const version = (old?.version ?? 0) + 1;
      const values = {
        type: e.type,
        key: e.key,
        elementId: e.elementId,
        attributes: e.attributes,
        children: e.children,
        childKeys: e.childKeys,
        ownerOrgId: old?.ownerOrgId ?? by.orgId,
        version,
        updatedAt: by.now,
      };
      if (old) {
        await tx
          .update(epcisVocabularyElements)
          .set(values)
          .where(
            and(eq(epcisVocabularyElements.type, e.type), eq(epcisVocabularyElements.key, e.key)),
          );
        counts.updated++;
      } else {
        await tx.insert(epcisVocabularyElements).values(values);
        counts.created++;
      }
      await tx.insert(epcisVocabularyHistory).values({
        type: e.type,
        key: e.key,
        version,
        elementId: e.elementId,
        attributes: e.attributes,
        children: e.children,
        orgId: by.orgId,
        captureId: by.captureId,
        recordedAt: by.now,
      });
    }
  }
  return counts;
}

/** A name in the languages the master data gives it. */
export interface PlaceName {
  /** The name to show when the reader's language has none of its own: Chinese first. */
  name: string;
  zh: string | null;
  en: string | null;
}

const NAME_ATTRIBUTES = new Set([
  `${CBV_MDA}name`,
  "https://schema.org/name",
  "http://schema.org/name",
  "https://gs1.org/voc/name",
]);

function nameOf(attributes: MasterDataAttribute[]): PlaceName | null {
  let plain: string | null = null;
  let zh: string | null = null;
  let en: string | null = null;
  for (const a of attributes) {
    if (!NAME_ATTRIBUTES.has(a.id)) continue;
    const v = a.attribute;
    if (typeof v === "string" && v.trim() !== "") plain ??= v.trim();
    else if (isObject(v) && typeof v["@value"] === "string") {
      const lang = String(v["@language"] ?? "").toLowerCase();
      if (lang.startsWith("zh")) zh ??= v["@value"].trim();
      else if (lang.startsWith("en")) en ??= v["@value"].trim();
      else plain ??= v["@value"].trim();
    }
  }
  const name = zh ?? plain ?? en;
  return name ? { name, zh: zh ?? plain, en: en ?? plain } : null;
}

/**
 * Names of places and parties by the ids events give them (any spelling), from the master data
 * of any vocabulary; ids without a name are absent.
 */
export async function masterDataNames(
  db: Db,
  ids: Iterable<string | null | undefined>,
): Promise<Map<string, PlaceName>> {
  const byKey = new Map<string, string[]>();
  for (const id of ids) {
    if (typeof id !== "string" || id === "") continue;
    const key = elementKey(id);
    byKey.set(key, [...(byKey.get(key) ?? []), id]);
  }
  const out = new Map<string, PlaceName>();
  if (byKey.size === 0) return out;
  const rows = await db
    .select({
      type: epcisVocabularyElements.type,
      key: epcisVocabularyElements.key,
      attributes: epcisVocabularyElements.attributes,
    })
    .from(epcisVocabularyElements)
    .where(
      and(
        inArray(epcisVocabularyElements.key, [...byKey.keys()]),
        sql`${epcisVocabularyElements.attributes}::text like '%name%'`,
      ),
    );
  // Places are named by their location vocabularies first, then by any other.
  const rank = (type: string) =>
    type === VTYPE.bizLocation ? 0 : type === VTYPE.readPoint ? 1 : 2;
  rows.sort((a, b) => rank(a.type) - rank(b.type));
  for (const row of rows) {
    const name = nameOf(row.attributes);
    if (!name) continue;
    for (const id of byKey.get(row.key) ?? []) if (!out.has(id)) out.set(id, name);
  }
  return out;
}
