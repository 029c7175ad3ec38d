// What a scan shows, gathered once: the same content is the HTML page and the resolver's JSON.
import { and, desc, eq, inArray } from "drizzle-orm";
import type { Gs1Code } from "../../codes";
import { encodeComponent } from "../../codes";
import { lookupRegion } from "../../codes/region";
import {
  type EventRow,
  eventSubjects,
  events,
  type Inspection,
  type Item,
  inspections,
  type Lot,
  orgs,
  type Product,
  type Recall,
  recalls,
} from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { historyOf } from "../events/views";
import { listProductReviews, reviewSummary } from "../feedback/read";
import { publicProfile } from "../orgs/profile";
import { getOrg } from "../orgs/service";
import { clonedCodeAlert, type ScanStats } from "../scans/service";
import type { ScanViewT, TimelineEntryT } from "./schemas";

/** Roles under which an event is about a lot or product itself, not one of its items. */
const OWN_ROLES = ["epc", "quantity", "parent", "child", "input", "output"];
const TIMELINE_ITEM_MAX = 60;
const TIMELINE_GROUP_MAX = 20;
const INSPECTIONS_MAX = 5;
const SELLERS_MAX = 5;
const REVIEWS_SHOWN = 5;

export interface Resolved {
  code: Gs1Code;
  product: Product;
  lot?: Lot;
  item?: Item;
}

/** The ledger writes keys in more than one percent-encoding; these are the forms a key may have. */
function keyForms(prefix: string, value: string): string[] {
  return [
    ...new Set([
      `${prefix}${value}`,
      `${prefix}${encodeURIComponent(value)}`,
      `${prefix}${encodeComponent(value)}`,
    ]),
  ];
}

export const lotKeyOf = (gtin: string, lot: string) => `/01/${gtin}/10/${encodeComponent(lot)}`;

/** Names of the city of a region code (province first): where, but never closer than a city. */
export function cityNames(code: string | null | undefined): string[] {
  if (!code || !/^\d{6}$/.test(code)) return [];
  return (
    (lookupRegion(`${code.slice(0, 4)}00`) ?? lookupRegion(`${code.slice(0, 2)}0000`))?.names ?? []
  );
}

/** Today's date in China (UTC+8), for expiry. */
export const chinaDate = (at: Date) =>
  new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

async function history(db: Db, keys: { forms: string[]; roles?: string[] }[]): Promise<EventRow[]> {
  const byId = new Map<number, EventRow>();
  for (const { forms, roles } of keys) {
    for (const key of forms)
      for (const row of await historyOf(db, key, roles)) byId.set(row.id, row);
  }
  return [...byId.values()].sort(
    (a, b) => a.eventTime.getTime() - b.eventTime.getTime() || a.id - b.id,
  );
}

const STEP_KINDS: Record<string, string> = { inspecting: "inspection", recalling: "recall" };

async function timelineOf(db: Db, rows: EventRow[]): Promise<TimelineEntryT[]> {
  const actorIds = [...new Set(rows.flatMap((r) => (r.actorOrgId ? [r.actorOrgId] : [])))];
  const actors = actorIds.length
    ? await db
        .select({
          id: orgs.id,
          nameZh: orgs.nameZh,
          status: orgs.status,
          regionCode: orgs.regionCode,
        })
        .from(orgs)
        .where(inArray(orgs.id, actorIds))
    : [];
  const byId = new Map(actors.map((a) => [a.id, a]));
  return rows.map((r) => {
    const actor = r.actorOrgId ? byId.get(r.actorOrgId) : undefined;
    const doc = r.document;
    const destination =
      typeof doc["zs:destinationRegion"] === "string" ? doc["zs:destinationRegion"] : null;
    const step = (r.bizStep ?? "").replace(/^.*[#/:]/, "");
    return {
      eventId: r.id,
      kind: r.kind === "epcis" ? (STEP_KINDS[step] ?? "epcis") : r.kind,
      bizStep: r.bizStep,
      time: r.eventTime.toISOString(),
      actor: actor
        ? { id: actor.id, nameZh: actor.nameZh, verified: actor.status === "verified" }
        : null,
      place: actor ? cityNames(actor.regionCode) : [],
      destination: destination ? cityNames(destination) : null,
      confirmedByBuyer: doc["zs:confirmedBy"] === "buyer",
    };
  });
}

async function inspectionsOf(db: Db, product: Product, lot: Lot | undefined) {
  const rows = await db
    .select({
      inspection: inspections,
      lab: { id: orgs.id, nameZh: orgs.nameZh, status: orgs.status },
    })
    .from(inspections)
    .innerJoin(orgs, eq(orgs.id, inspections.inspectorOrgId))
    .where(lot ? eq(inspections.lotId, lot.id) : eq(inspections.gtin, product.gtin))
    .orderBy(desc(inspections.issueDate), desc(inspections.createdAt))
    .limit(INSPECTIONS_MAX);
  return rows;
}

export const reportUrl = (i: Pick<Inspection, "id" | "pdfSha256">) =>
  i.pdfSha256 ? `/v1/inspections/${encodeURIComponent(i.id)}/report.pdf` : null;

/** Open recalls that cover this lot (or, on a product page, any lot of the product). */
export async function openRecalls(db: Db, gtin: string, lot: Lot | undefined): Promise<Recall[]> {
  const rows = await db
    .select()
    .from(recalls)
    .where(and(eq(recalls.gtin, gtin), eq(recalls.status, "open")))
    .orderBy(desc(recalls.createdAt));
  return lot ? rows.filter((r) => r.wholeProduct || r.lotIds.includes(lot.id)) : rows;
}

async function listingSellers(db: Db, keys: string[]): Promise<string[]> {
  const rows = await db
    .selectDistinct({ orgId: events.actorOrgId })
    .from(events)
    .innerJoin(eventSubjects, eq(eventSubjects.eventId, events.id))
    .where(and(eq(events.kind, "listing"), inArray(eventSubjects.subjectKey, keys)))
    .limit(SELLERS_MAX);
  return rows.flatMap((r) => (r.orgId ? [r.orgId] : []));
}

export async function buildScanView(
  db: Db,
  ctx: { clock: Clock; baseUrl: string; scans: ScanStats | null },
  resolved: Resolved,
): Promise<ScanViewT> {
  const { code, product, lot, item } = resolved;
  const level = code.level as ScanViewT["level"];
  const gtin = product.gtin;
  const productForms = [`/01/${gtin}`];
  const lotForms = lot ? keyForms(`/01/${gtin}/10/`, lot.lot) : [];

  const rows = item
    ? await history(db, [
        { forms: keyForms(`/01/${gtin}/21/`, item.serial) },
        { forms: lotForms, roles: OWN_ROLES },
      ])
    : lot
      ? await history(db, [
          { forms: lotForms, roles: OWN_ROLES },
          { forms: productForms, roles: OWN_ROLES },
        ])
      : await history(db, [{ forms: productForms, roles: OWN_ROLES }]);
  const shown = rows.slice(-(item ? TIMELINE_ITEM_MAX : TIMELINE_GROUP_MAX));

  const sellerIds = item
    ? item.sellerOrgId
      ? [item.sellerOrgId]
      : []
    : await listingSellers(db, [...lotForms, ...productForms]);

  const [producerOrg, labs, recallRows, timeline, sellerOrgs, latest, summary, cloned] =
    await Promise.all([
      getOrg(db, product.ownerOrgId),
      inspectionsOf(db, product, lot),
      openRecalls(db, gtin, lot),
      timelineOf(db, shown),
      Promise.all(sellerIds.map((id) => getOrg(db, id))),
      listProductReviews(db, gtin, { limit: REVIEWS_SHOWN }),
      reviewSummary(db, gtin),
      item ? clonedCodeAlert(db, code.key) : Promise.resolve(null),
    ]);
  const [producer, ...sellers] = await Promise.all(
    [producerOrg, ...sellerOrgs].map((o) => publicProfile(db, ctx.clock, o)),
  );

  const warnings: ScanViewT["warnings"] = [];
  const recall = recallRows[0];
  if (recall || lot?.recalled || item?.recalled) {
    warnings.push({
      kind: "recalled",
      detail: recall?.reason ?? "recalled",
      ...(recall
        ? {
            recall: {
              level: recall.level,
              reason: recall.reason,
              instructions: recall.instructions,
              contacts: recall.contacts,
            },
          }
        : {}),
    });
  }
  const failed = labs.find((l) => l.inspection.conclusion === "fail");
  if (lot?.nonConforming || (lot && failed)) {
    warnings.push({
      kind: "non_conforming",
      detail: failed ? `report ${failed.inspection.reportNumber}: fail` : "failed inspection",
    });
  }
  if (cloned) {
    const reasons = (cloned.details.reasons as string[] | undefined) ?? [];
    warnings.push({
      kind: "cloned",
      detail: reasons.join("; ") || "scans look like a copied code",
    });
  }
  if (item?.state === "destroyed") warnings.push({ kind: "destroyed", detail: "destroyed" });
  if (item && lot && code.lot !== undefined && code.lot !== lot.lot) {
    warnings.push({ kind: "lot_mismatch", detail: `${code.lot} ≠ ${lot.lot}` });
  }

  return {
    key: code.key,
    level,
    uri: `${ctx.baseUrl}${code.key}`,
    warnings,
    expired: Boolean(lot?.expiryDate && lot.expiryDate < chinaDate(ctx.clock.now())),
    product: {
      gtin,
      nameZh: product.nameZh,
      nameEn: product.nameEn,
      category: product.category,
      specification: product.specification,
      imageUrl: product.imageUrl && /^https:\/\//.test(product.imageUrl) ? product.imageUrl : null,
      licences: product.licences.map((l) => ({ kind: l.kind, number: l.number })),
    },
    origin: {
      region: (() => {
        const regionCode = lot?.originRegion ?? product.originRegion;
        const region = regionCode ? lookupRegion(regionCode) : null;
        return regionCode ? { code: regionCode, names: region?.names ?? [] } : null;
      })(),
      place: lot?.originPlace ?? product.originPlace,
      producer: producer!,
    },
    lot: lot
      ? {
          lot: lot.lot,
          productionDate: lot.productionDate,
          expiryDate: lot.expiryDate,
          recalled: lot.recalled || recallRows.length > 0,
          nonConforming: lot.nonConforming,
        }
      : null,
    item: item
      ? {
          serial: item.serial,
          state: item.state,
          recalled: item.recalled || lot?.recalled === true || recallRows.length > 0,
        }
      : null,
    inspections: labs.map(({ inspection: i, lab }) => ({
      id: i.id,
      lot: i.lot,
      reportNumber: i.reportNumber,
      conclusion: i.conclusion,
      issueDate: i.issueDate,
      laboratory: { id: lab.id, nameZh: lab.nameZh, verified: lab.status === "verified" },
      reportUrl: reportUrl(i),
    })),
    timeline,
    sellers,
    reviews: { summary, latest: latest.items },
    scans: ctx.scans
      ? { count: ctx.scans.count, firstAt: ctx.scans.firstAt?.toISOString() ?? null }
      : null,
  };
}
