// What a scanned code names and who stands behind it, read in one query: product, lot, item,
// producer and sellers with their current commitment, published list entries and stored credit.
import { type SQL, sql } from "drizzle-orm";
import type { Gs1Code } from "../../codes";
import { jsonValue, rowFromJson } from "../../db/json-rows";
import {
  type Commitment,
  type CreditSummaryRow,
  commitments,
  creditSummaries,
  items,
  type ListEntry,
  listEntries,
  lots,
  type Org,
  orgs,
  type Product,
  products,
} from "../../db/schema";
import type { Db } from "../../db/types";
import { standing } from "../../ledger/append";
import type { Resolution } from "./resolve";
import { keyForms } from "./view";

/** An organisation as the page shows it, before its credit is looked up. */
export interface Party {
  org: Org;
  commitment: Commitment | null;
  lists: ListEntry[];
  /** Its stored credit summary (credit/summaries), absent until first computed. */
  credit: CreditSummaryRow | null;
}

/** The parties of a scan: the brand owner and the sellers shown (the item's, or those listing it). */
export interface Parties {
  producer: Party;
  sellers: Party[];
}

export type Lookup =
  | { found: true; resolution: Extract<Resolution, { found: true }>; parties: Parties }
  | (Extract<Resolution, { found: false }> & { parties?: undefined });

/** Sellers listed on a lot or product page: any that recorded a listing of it. */
export const SELLERS_MAX = 5;

/** Today's published list entries and current commitment of each organisation in `ids`. */
function partiesSql(ids: SQL, today: string): SQL {
  return sql`(select coalesce(json_agg(json_build_object(
      'org', to_jsonb(o),
      'commitment', (select to_jsonb(c) from commitments c where c.org_id = o.id and c.current),
      'lists', (select coalesce(json_agg(to_jsonb(e)), '[]'::json) from list_entries e
        where e.org_id = o.id and e.removed_at is null
          and e.max_publish_until > ${today}::date and e.listed_on <= ${today}::date),
      'credit', (select to_jsonb(s) from credit_summaries s where s.org_id = o.id)
    )), '[]'::json) from orgs o where o.id in (${ids}))`;
}

interface PartyJson {
  org: unknown;
  commitment: unknown;
  lists: unknown[];
  credit: unknown;
}

function partyOf(json: PartyJson): Party {
  return {
    org: rowFromJson(orgs, json.org),
    commitment: json.commitment ? rowFromJson(commitments, json.commitment) : null,
    lists: json.lists.map((e) => rowFromJson(listEntries, e)),
    credit: json.credit ? rowFromJson(creditSummaries, json.credit) : null,
  };
}

function partiesOf(all: PartyJson[], producerId: string, sellerIds: string[]): Parties {
  const byId = new Map(all.map((p) => [(p.org as { id: string }).id, p]));
  const party = (id: string) => {
    const p = byId.get(id);
    if (!p) throw new Error(`organisation ${id} is referenced but does not exist`);
    return partyOf(p);
  };
  return { producer: party(producerId), sellers: sellerIds.map(party) };
}

/**
 * The product, lot and item a parsed code names (an item brings its lot) and its parties, in one
 * round trip. The same answers as products/service resolveCode plus orgs/profile for each party.
 */
export async function lookupScan(db: Db, code: Gs1Code, today: string): Promise<Lookup> {
  if (!code.gtin || (code.level === "item" && code.serial === undefined)) {
    return { found: false, missing: `the GS1 key ${code.key}`, product: null };
  }
  const gtin = code.gtin;
  const byItem = code.serial !== undefined;
  const byLot = !byItem && code.lot !== undefined;
  const join = byItem
    ? sql`left join items i on i.gtin = p.gtin and i.serial = ${code.serial}
          left join lots l on l.id = i.lot_id`
    : byLot
      ? sql`left join lots l on l.gtin = p.gtin and l.lot = ${code.lot}
            left join items i on false`
      : sql`left join lots l on false left join items i on false`;
  // Lot and product pages show the sellers that listed the lot or the product.
  const listingKeys = [
    ...(byLot && code.lot !== undefined ? keyForms(`/01/${gtin}/10/`, code.lot) : []),
    `/01/${gtin}`,
  ];
  const sellerIds = byItem
    ? sql`select i.seller_org_id where i.seller_org_id is not null`
    : sql`select distinct e.actor_org_id from events e
          join event_subjects s on s.event_id = e.id
          where e.kind = 'listing' and s.subject_key in ${listingKeys}
            and e.actor_org_id is not null and ${standing(sql`e.id`)}
          limit ${SELLERS_MAX}`;
  const result = await db.execute(sql`
    select json_build_object(
      'product', to_jsonb(p),
      'lot', to_jsonb(l),
      'item', to_jsonb(i),
      'sellerIds', (select coalesce(json_agg(s.id), '[]'::json) from (${sellerIds}) s(id)),
      'parties', ${partiesSql(sql`select p.owner_org_id union all (${sellerIds})`, today)}
    ) as v
    from products p ${join}
    where p.gtin = ${gtin}`);
  const row = jsonValue<{
    product: unknown;
    lot: unknown;
    item: unknown;
    sellerIds: string[];
    parties: PartyJson[];
  }>(result);
  if (!row) return { found: false, missing: `GTIN ${gtin}`, product: null };
  const product: Product = rowFromJson(products, row.product);
  if (byItem && !row.item) {
    return { found: false, missing: `serial ${code.serial} of GTIN ${gtin}`, product };
  }
  if (byLot && !row.lot) {
    return { found: false, missing: `lot ${code.lot} of GTIN ${gtin}`, product };
  }
  const lot = row.lot ? rowFromJson(lots, row.lot) : undefined;
  const item = row.item ? rowFromJson(items, row.item) : undefined;
  return {
    found: true,
    resolution: {
      found: true,
      resolved: { code, product, ...(lot ? { lot } : {}), ...(item ? { item } : {}) },
    },
    parties: partiesOf(row.parties, product.ownerOrgId, row.sellerIds),
  };
}
