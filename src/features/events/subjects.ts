// Turning the codes in a request into locked item and lot rows, naming every code that is wrong or unknown.
import { and, eq, sql } from "drizzle-orm";
import { parseCode } from "../../codes";
import { itemKey, lotKey, productKey } from "../../codes/keys";
import { jsonValue } from "../../db/json-rows";
import { rowsOf } from "../../db/rows";
import { type ItemState, type Lot, lots, type Product, products } from "../../db/schema";
import type { Db } from "../../db/types";
import { type SubjectRef, standing } from "../../ledger/append";
import { AppError, type FieldError } from "../../lib/errors";

export interface LockedItem {
  id: number;
  gtin: string;
  serial: string;
  key: string;
  state: ItemState;
  recalled: boolean;
  custodianOrgId: string | null;
  sellerOrgId: string | null;
  commissionedAt: Date;
  lotId: string;
  lot: string;
  lotRecalled: boolean;
  lotNonConforming: boolean;
  ownerOrgId: string;
  netWeightGrams: number | null;
}

function invalid(errors: FieldError[]): AppError {
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return new AppError("validation_failed", `${first.path}: ${first.message}${more}`, { errors });
}

/** Parses item codes; every bad or non-item code is named by its index. */
export function parseItemCodes(
  codes: string[],
  path: string,
): { gtin: string; serial: string; key: string }[] {
  const errors: FieldError[] = [];
  const parsed: { gtin: string; serial: string; key: string }[] = [];
  const seen = new Set<string>();
  codes.forEach((code, i) => {
    const result = parseCode(code, { gbt33993: false });
    if (!result.ok) {
      errors.push({ path: `${path}.${i}`, message: result.error.message, code: result.error.code });
    } else if (result.value.kind !== "gs1" || result.value.level !== "item") {
      errors.push({
        path: `${path}.${i}`,
        message: `${code} is not a serialised item (GTIN + serial)`,
        code: "not_an_item",
      });
    } else if (seen.has(result.value.key)) {
      errors.push({
        path: `${path}.${i}`,
        message: `${result.value.key} is listed twice`,
        code: "duplicate",
      });
    } else {
      seen.add(result.value.key);
      parsed.push({
        gtin: result.value.gtin!,
        serial: result.value.serial!,
        key: result.value.key,
      });
    }
  });
  if (errors.length > 0) throw invalid(errors);
  return parsed;
}

/** The locking select of the items in `wanted`, with their lot and product facts, in id order. */
function lockedItemsQuery(wanted: { gtin: string; serial: string }[]) {
  return sql`
    select i.id, i.gtin, i.serial, i.state, i.recalled, i.custodian_org_id, i.seller_org_id, i.commissioned_at,
           i.lot_id, l.lot, l.recalled as lot_recalled, l.non_conforming, p.owner_org_id, p.net_weight_grams
    from items i
    join jsonb_to_recordset(${JSON.stringify(wanted.map(({ gtin, serial }) => ({ gtin, serial })))}::jsonb)
      as k(gtin text, serial text) on i.gtin = k.gtin and i.serial = k.serial
    join lots l on l.id = i.lot_id
    join products p on p.gtin = i.gtin
    order by i.id
    for update of i`;
}

function lockedItemOf(r: Record<string, unknown>): LockedItem {
  return {
    id: Number(r.id),
    gtin: String(r.gtin),
    serial: String(r.serial),
    key: itemKey(String(r.gtin), String(r.serial)),
    state: r.state as ItemState,
    recalled: Boolean(r.recalled),
    custodianOrgId: (r.custodian_org_id as string | null) ?? null,
    sellerOrgId: (r.seller_org_id as string | null) ?? null,
    commissionedAt: new Date(r.commissioned_at as string),
    lotId: String(r.lot_id),
    lot: String(r.lot),
    lotRecalled: Boolean(r.lot_recalled),
    lotNonConforming: Boolean(r.non_conforming),
    ownerOrgId: String(r.owner_org_id),
    netWeightGrams: r.net_weight_grams === null ? null : Number(r.net_weight_grams),
  };
}

/** Locked items by GTIN and serial, as `itemsInOrder` looks them up. */
export type LockedItems = Map<string, LockedItem>;

const itemSlot = (gtin: string, serial: string) => `${gtin}\u0000${serial}`;

function lockedItemsOf(rows: Record<string, unknown>[]): LockedItems {
  return new Map(
    rows.map((r) => {
      const item = lockedItemOf(r);
      return [itemSlot(item.gtin, item.serial), item];
    }),
  );
}

/** The locked items in the order they were asked for; every code that names no item is an error. */
export function itemsInOrder(
  wanted: { gtin: string; serial: string; key: string }[],
  found: LockedItems,
  path: string,
): LockedItem[] {
  const errors: FieldError[] = [];
  const out: LockedItem[] = [];
  wanted.forEach((w, i) => {
    const item = found.get(itemSlot(w.gtin, w.serial));
    if (item) out.push(item);
    else
      errors.push({
        path: `${path}.${i}`,
        message: `item ${w.key} was never commissioned here`,
        code: "unknown_item",
      });
  });
  if (errors.length > 0) throw invalid(errors);
  return out;
}

/** Records in `found` what a sale accepted earlier in the same batch did to its items. */
export function markSold(found: LockedItems, items: LockedItem[], sellerId: string): void {
  for (const item of items)
    found.set(itemSlot(item.gtin, item.serial), { ...item, state: "sold", sellerOrgId: sellerId });
}

/**
 * Locks the items named by `codes` (row locks, so concurrent events on one item serialise) and
 * returns them with their lot and product facts. Unknown items fail the whole request.
 */
export async function lockItems(
  tx: Db,
  codes: string[],
  path = "json.items",
): Promise<LockedItem[]> {
  const wanted = parseItemCodes(codes, path);
  const rows = rowsOf<Record<string, unknown>>(await tx.execute(lockedItemsQuery(wanted)));
  return itemsInOrder(wanted, lockedItemsOf(rows), path);
}

/**
 * The product and lot keys of `gtins` that each of `sellerIds` has listed (a listing lets a seller
 * sell what it does not hold), as one jsonb object of arrays by seller. The sellers' listings
 * first (few, by the actor index), then their subjects: a product key is a subject of every event
 * of its items, so starting from the key would scan them all.
 */
function listedKeysQuery(sellerIds: string[], gtins: string[]) {
  return sql`(select coalesce(jsonb_object_agg(x.actor, x.keys), '{}'::jsonb) from (
      select e.actor_org_id as actor, jsonb_agg(distinct s.subject_key) as keys
      from events e join event_subjects s on s.event_id = e.id
      where e.actor_org_id in (select jsonb_array_elements_text(${JSON.stringify(sellerIds)}::jsonb))
        and e.kind = 'listing' and ${standing(sql`e.id`)}
        and s.level in ('product', 'lot')
        and split_part(s.subject_key, '/', 3) in (select jsonb_array_elements_text(${JSON.stringify(gtins)}::jsonb))
      group by e.actor_org_id) as x)`;
}

export async function listedKeys(tx: Db, sellerId: string, gtins: string[]): Promise<Set<string>> {
  const bySeller = jsonValue<Record<string, string[]>>(
    await tx.execute(sql`select ${listedKeysQuery([sellerId], gtins)} as v`),
  );
  return new Set(bySeller?.[sellerId] ?? []);
}

/**
 * For the sales of one request or of a batch, in one statement: the items locked as `lockItems`
 * does (in id order, so that concurrent batches cannot deadlock), and `listedKeys` of their GTINs
 * for every seller.
 */
export async function lockItemsForSale(
  tx: Db,
  wanted: { gtin: string; serial: string; key: string }[],
  sellerIds: string[],
): Promise<{ found: LockedItems; listed: (sellerId: string) => Set<string> }> {
  const gtins = [...new Set(wanted.map((w) => w.gtin))];
  const result = jsonValue<{ items: Record<string, unknown>[]; listed: Record<string, string[]> }>(
    await tx.execute(sql`
      with locked as (${lockedItemsQuery(wanted)})
      select jsonb_build_object(
        'items', (select coalesce(jsonb_agg(to_jsonb(locked)), '[]'::jsonb) from locked),
        'listed', ${listedKeysQuery(sellerIds, gtins)}) as v`),
  );
  const listed = new Map(Object.entries(result!.listed).map(([id, keys]) => [id, new Set(keys)]));
  return {
    found: lockedItemsOf(result!.items),
    listed: (sellerId) => listed.get(sellerId) ?? new Set(),
  };
}

export interface LockedLot {
  lot: Lot;
  product: Product;
  key: string;
}

/** A lot (or, with `allowProduct`, a product) named by a code, locked for the event. */
export async function lockLot(tx: Db, code: string, path: string): Promise<LockedLot> {
  const result = parseCode(code, { gbt33993: false });
  if (!result.ok) throw invalid([{ path, message: result.error.message, code: result.error.code }]);
  const parsed = result.value;
  if (parsed.kind !== "gs1" || parsed.level !== "lot") {
    throw invalid([{ path, message: `${code} is not a lot (GTIN + lot)`, code: "not_a_lot" }]);
  }
  const [row] = await tx
    .select({ lot: lots, product: products })
    .from(lots)
    .innerJoin(products, eq(products.gtin, lots.gtin))
    .where(and(eq(lots.gtin, parsed.gtin!), eq(lots.lot, parsed.lot!)))
    .for("update", { of: lots });
  if (!row)
    throw invalid([{ path, message: `lot ${parsed.key} is not registered`, code: "unknown_lot" }]);
  return { ...row, key: parsed.key };
}

export function itemIdsJson(items: { id: number }[]): string {
  return JSON.stringify(items.map((i) => i.id));
}

/** Subjects of an item-level event: each item, plus each lot and product once, so their histories see it. */
export function itemSubjects(items: LockedItem[]): SubjectRef[] {
  const subjects: SubjectRef[] = items.map((i) => ({ key: i.key, level: "item" }));
  for (const key of new Set(items.map((i) => lotKey(i.gtin, i.lot)))) {
    subjects.push({ key, level: "lot", role: "context" });
  }
  for (const gtin of new Set(items.map((i) => i.gtin))) {
    subjects.push({ key: productKey(gtin), level: "product", role: "context" });
  }
  return subjects;
}
