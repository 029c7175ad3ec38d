// What a scan shows, gathered once: the same content is the HTML page and the resolver's JSON.
import { and, desc, eq } from "drizzle-orm";
import type { Gs1Code } from "../../codes";
import { encodeComponent } from "../../codes";
import { lookupRegion } from "../../codes/region";
import {
  type Inspection,
  type Item,
  type Lot,
  type Product,
  type Recall,
  recalls,
} from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { shownCredit } from "../credit/summaries";
import { masterDataNames, type PlaceName } from "../epcis/master-data";
import { type PublicOrgView, publicOrgView } from "../orgs/profile";
import type { ScanStats } from "../scans/service";
import { readScanContent, type TimelineRow } from "./content";
import type { Parties, Party } from "./lookup";
import type { ScanViewT, TimelineEntryT } from "./schemas";

/** Roles under which an event is about a lot or product itself, not one of its items. */
const TIMELINE_ITEM_MAX = 60;
const TIMELINE_GROUP_MAX = 20;
const INSPECTIONS_MAX = 5;
const REVIEWS_SHOWN = 5;

export interface Resolved {
  code: Gs1Code;
  product: Product;
  lot?: Lot;
  item?: Item;
}

/** The ledger writes keys in more than one percent-encoding; these are the forms a key may have. */
export function keyForms(prefix: string, value: string): string[] {
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

const STEP_KINDS: Record<string, string> = { inspecting: "inspection", recalling: "recall" };

/** Where an event happened, by the master data names of its business location or read point. */
const placeOf = (r: TimelineRow, names: Map<string, PlaceName>) =>
  (r.bizLocation ? names.get(r.bizLocation) : undefined) ??
  (r.readPoint ? names.get(r.readPoint) : undefined) ??
  null;

function timelineOf(rows: TimelineRow[], names: Map<string, PlaceName>): TimelineEntryT[] {
  return rows.map((r) => {
    const actor = r.actor;
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
      destination: r.destination ? cityNames(r.destination) : null,
      confirmedByBuyer: r.confirmedBy === "buyer",
      location: placeOf(r, names),
      correction: r.correction
        ? { ...r.correction, reason: r.correction.reason?.replace(/^.*[:/]/, "") ?? null }
        : null,
    };
  });
}

/** An organisation as orgs/profile publicProfile shows it, from what lookupScan already read. */
async function publicOrgOf(db: Db, clock: Clock, party: Party): Promise<PublicOrgView> {
  const { org, commitment, lists, credit } = party;
  return publicOrgView(org, commitment, lists, await shownCredit(db, clock, org, credit));
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

/** The page's content for a resolved code and its parties (see lookupScan, which brings their stored credit): one query. */
export async function buildScanView(
  db: Db,
  ctx: { clock: Clock; baseUrl: string; scans: ScanStats | null },
  resolved: Resolved,
  parties: Parties,
): Promise<ScanViewT> {
  const { code, product, lot, item } = resolved;
  const level = code.level as ScanViewT["level"];
  const gtin = product.gtin;
  const productForms = [`/01/${gtin}`];
  const lotForms = lot ? keyForms(`/01/${gtin}/10/`, lot.lot) : [];

  const [content, producer, ...sellers] = await Promise.all([
    readScanContent(db, {
      gtin,
      ...(lot ? { lotId: lot.id } : {}),
      anyRole: item ? keyForms(`/01/${gtin}/21/`, item.serial) : [],
      ownRole: item ? lotForms : [...lotForms, ...productForms],
      timelineMax: item ? TIMELINE_ITEM_MAX : TIMELINE_GROUP_MAX,
      inspectionsMax: INSPECTIONS_MAX,
      reviewsShown: REVIEWS_SHOWN,
      ...(item ? { itemKey: code.key } : {}),
    }),
    ...[parties.producer, ...parties.sellers].map((p) => publicOrgOf(db, ctx.clock, p)),
  ]);
  // Our own organisations are shown as actors; other places by their master data, if any.
  const placeIds = content.timeline
    .flatMap((r) => [r.bizLocation, r.readPoint])
    .filter((id): id is string => id !== null && !id.startsWith("urn:zhuisu:"));
  const names = placeIds.length > 0 ? await masterDataNames(db, placeIds) : new Map();
  const timeline = timelineOf(content.timeline, names);
  const labs = content.inspections;
  const recallRows = lot
    ? content.recalls.filter((r) => r.wholeProduct || r.lotIds.includes(lot.id))
    : content.recalls;
  const cloned = content.cloned;
  const summary = content.reviewSummary;
  const latest = { items: content.latestReviews };

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
  const failed = labs.find((l) => l.conclusion === "fail");
  if (lot?.nonConforming || (lot && failed)) {
    warnings.push({
      kind: "non_conforming",
      detail: failed ? `report ${failed.reportNumber}: fail` : "failed inspection",
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
    inspections: labs.map(({ lab, ...i }) => ({
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
