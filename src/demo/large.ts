// The large set: about a million events over 100,000 items, written through the batch append path.
import { sql } from "drizzle-orm";
import { appendCheckDigit } from "../codes";
import { itemKey, lotKey, productKey } from "../codes/keys";
import type { Database } from "../db/types";
import { appendEvents, type EventDraft } from "../ledger/append";
import { epcOf, objectEvent, orgUri } from "../ledger/epcis";
import type { FixedClock } from "../lib/clock";
import { randomString } from "../lib/random";
import type { DemoClient } from "./client";
import type { DemoFile } from "./small";

export interface LargeOptions {
  items: number;
  onProgress?: (done: number, total: number, what: string) => void;
}

/** Destinations of parcels: Zhejiang counties and a few other provinces' capitals. */
const DESTINATIONS = [
  "330106",
  "330102",
  "330203",
  "330302",
  "330602",
  "330782",
  "331002",
  "110105",
  "310115",
  "320106",
  "440305",
  "510107",
];
const HUBS = ["330109", "330203", "331002", "320106", "310115", "440305"];
const BATCH_EVENTS = 5_000;

/** A small seeded PRNG: the large set should look the same from run to run, apart from its serials. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ItemRef {
  id: number;
  gtin: string;
  serial: string;
  lot: string;
}

export async function seedLarge(
  client: DemoClient,
  db: Database,
  clock: FixedClock,
  demo: DemoFile,
  options: LargeOptions,
) {
  const rand = prng(2026);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const producer = demo.keys.producer!;
  const seller = { id: demo.orgs.seller!, key: demo.keys.seller! };
  const carrierId = demo.orgs.logistics!;
  const progress = options.onProgress ?? (() => {});

  // Products and lots through the API (the commissioning events are per lot).
  const gtins: string[] = [];
  for (let p = 0; p < 20; p++) {
    const gtin = appendCheckDigit(`06971${String(p).padStart(8, "0")}`);
    gtins.push(gtin);
    await client.must("POST", "/v1/products", {
      key: producer,
      json: {
        gtin,
        nameZh: `台州农产品 ${p + 1} 号`,
        category: "edible_agricultural",
        specification: `${1 + (p % 5)} kg/箱`,
        netWeightGrams: 1000 * (1 + (p % 5)),
        originRegion: "331003",
      },
    });
    await client.must("POST", "/v1/events", {
      key: seller.key,
      json: {
        kind: "listing",
        code: gtin,
        shopName: "橘乡旗舰店",
        listingUrl: `https://shop.example.cn/${gtin}`,
        price: 50 + p,
      },
    });
  }
  let made = 0;
  let lotNo = 0;
  while (made < options.items) {
    const size = Math.min(options.items - made, 200 + Math.floor(rand() * 2800));
    const gtin = pick(gtins);
    const lot = `L${String(++lotNo).padStart(5, "0")}${randomString(3, "ABCDEFGHJKLMNPQRSTUVWXYZ")}`;
    await client.must("POST", `/v1/products/${gtin}/lots`, {
      key: producer,
      json: { lot, productionDate: clock.now().toISOString().slice(0, 10), quantity: size },
    });
    await client.must("POST", `/v1/products/${gtin}/lots/${lot}/items`, {
      key: producer,
      json: { count: size },
    });
    made += size;
    progress(made, options.items, "items commissioned");
    clock.advance(60_000);
  }

  // Custody chains: sale, dispatch, 4-10 hub scans, sign-off; a few returns. Built as the lifecycle API builds them.
  const items = await db.execute<{ id: number; gtin: string; serial: string; lot: string }>(sql`
    select i.id, i.gtin, i.serial, l.lot from items i join lots l on l.id = i.lot_id
    where i.gtin like '06971%' and i.state = 'commissioned' order by i.id`);
  const all = (
    (items as unknown as { rows?: ItemRef[] }).rows ?? (items as unknown as ItemRef[])
  ).map((r) => ({ ...r, id: Number(r.id) }));
  let drafts: EventDraft[] = [];
  const finalStates: { id: number; state: string; custodian: string | null }[] = [];
  let written = 0;
  const flush = async () => {
    if (drafts.length === 0) return;
    const batch = drafts;
    const states = finalStates.splice(0);
    drafts = [];
    // Recorded a day after the last event of the batch happened, as a nightly upload would be.
    const recordTime = new Date(at + 86_400_000);
    await db.transaction(async (tx) => {
      await appendEvents(tx, recordTime, batch);
      await tx.execute(sql`
        update items set state = s.state, custodian_org_id = s.custodian, seller_org_id = ${seller.id}, updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(states)}::jsonb) as s(id bigint, state text, custodian text)
        where items.id = s.id`);
    });
    written += batch.length;
    progress(written, Math.round(all.length * 10), "events appended");
  };
  const subjectsOf = (order: ItemRef[]) => [
    ...order.map((i) => ({ key: itemKey(i.gtin, i.serial), level: "item" as const })),
    ...[...new Set(order.map((i) => lotKey(i.gtin, i.lot)))].map((key) => ({
      key,
      level: "lot" as const,
      role: "context" as const,
    })),
    ...[...new Set(order.map((i) => productKey(i.gtin)))].map((key) => ({
      key,
      level: "product" as const,
      role: "context" as const,
    })),
  ];
  let at = clock.now().getTime();
  for (let i = 0; i < all.length; ) {
    const size = rand() < 0.85 ? 1 : 2;
    const order = all.slice(i, i + size);
    i += size;
    at += 30_000;
    const epcs = order.map((it) => epcOf(itemKey(it.gtin, it.serial)));
    const subjects = subjectsOf(order);
    const orderNo = `LG-${i}`;
    const destination = pick(DESTINATIONS);
    const step = (offsetMin: number) => new Date(at + offsetMin * 60_000);
    drafts.push({
      kind: "sale",
      actorOrgId: seller.id,
      subjects,
      event: objectEvent({
        action: "OBSERVE",
        eventTime: step(0),
        epcs,
        bizStep: "retail_selling",
        disposition: "retail_sold",
        bizTransactions: [{ type: "po", bizTransaction: `urn:zhuisu:po:${seller.id}:${orderNo}` }],
        sources: [{ type: "owning_party", source: orgUri(seller.id) }],
      }),
    });
    drafts.push({
      kind: "dispatch",
      actorOrgId: demo.orgs.producer!,
      subjects,
      meta: { goodsWeightGrams: 2000 * size, carrierOrgId: carrierId },
      event: objectEvent({
        action: "OBSERVE",
        eventTime: step(120),
        epcs,
        bizStep: "shipping",
        disposition: "in_transit",
        bizTransactions: [
          { type: "desadv", bizTransaction: `urn:zhuisu:waybill:${carrierId}:W${i}` },
        ],
        destinations: [{ type: "location", destination: `urn:zhuisu:region:${destination}` }],
        extensions: {
          "zs:waybill": `W${i}`,
          "zs:carrier": orgUri(carrierId),
          "zs:parcelWeightGrams": 2200 * size,
          "zs:destinationRegion": destination,
        },
      }),
    });
    const hops = 4 + Math.floor(rand() * 7);
    for (let h = 0; h < hops; h++) {
      drafts.push({
        kind: "transit",
        actorOrgId: carrierId,
        subjects,
        event: objectEvent({
          action: "OBSERVE",
          eventTime: step(240 + h * 180),
          epcs,
          bizStep: h % 2 ? "departing" : "arriving",
          disposition: "in_transit",
          readPoint: `urn:zhuisu:hub:${pick(HUBS)}`,
        }),
      });
    }
    const returned = rand() < 0.03;
    drafts.push({
      kind: "sign_off",
      actorOrgId: carrierId,
      subjects,
      event: objectEvent({
        action: "OBSERVE",
        eventTime: step(240 + hops * 180 + 600),
        epcs,
        bizStep: "accepting",
        disposition: "retail_sold",
        extensions: { "zs:confirmedBy": "carrier" },
      }),
    });
    if (returned) {
      drafts.push({
        kind: "return",
        actorOrgId: seller.id,
        subjects,
        event: objectEvent({
          action: "OBSERVE",
          eventTime: step(240 + hops * 180 + 3000),
          epcs,
          bizStep: "returning",
          disposition: "returned",
          extensions: { "zs:reason": "七天无理由退货" },
        }),
      });
    }
    for (const it of order)
      finalStates.push({
        id: it.id,
        state: returned ? "returned" : "delivered",
        custodian: returned ? seller.id : null,
      });
    if (drafts.length >= BATCH_EVENTS) await flush();
  }
  await flush();
  // What autovacuum would do on a server after such a load (PGlite has no autovacuum): planner
  // statistics, and the visibility map that lets index-only scans skip the table.
  await db.execute(sql`vacuum analyze`);
  clock.set(new Date(Math.max(at, clock.now().getTime())));
  return { items: all.length, events: written };
}
