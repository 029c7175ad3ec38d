// What every trace shares: product and lot facts, their inspections and recalls, events as graph edges.
import { asc, eq, inArray } from "drizzle-orm";
import type { PgTransactionConfig } from "drizzle-orm/pg-core";
import { canonicalKey, type Gtin14 } from "../../codes";
import { inspections, type Lot, type Product, recalls } from "../../db/schema";
import type { Db } from "../../db/types";
import type { SignedCheckpoint } from "../../ledger/checkpoint";
import { masterDataNames } from "../epcis/master-data";
import type { InclusionRef } from "./ledger";
import { actorOf } from "./parties";
import { edgeOf, type KeyData } from "./replay";
import type { PartyView, TraceEventView, TraceLotView, TraceProductView } from "./schemas";

export interface TraceContext {
  baseUrl: string;
  checkpoint: SignedCheckpoint | null;
  now: Date;
  /** Where reads must ask for one snapshot (PostgreSQL); the embedded database has one connection. */
  snapshot?: PgTransactionConfig;
}

/** Reads of one trace see one snapshot, even while events keep arriving. */
export const SNAPSHOT: PgTransactionConfig = {
  isolationLevel: "repeatable read",
  accessMode: "read only",
};

/** Kinds about a lot as a whole; in an item's trace they stand for every unit of the lot. */
export const LOT_KINDS = new Set(["inspection", "recall", "recall_closed"]);

/** A value that percent-encoding leaves alone: its key is a plain concatenation (the common case). */
const PLAIN = /^[A-Za-z0-9._~-]+$/;

export const lotKeyOf = (gtin: string, lot: string): string =>
  PLAIN.test(lot) ? `/01/${gtin}/10/${lot}` : canonicalKey({ gtin: gtin as Gtin14, lot });
export const itemKeyOf = (gtin: string, serial: string): string =>
  PLAIN.test(serial) ? `/01/${gtin}/21/${serial}` : canonicalKey({ gtin: gtin as Gtin14, serial });

/** Every spelling of an item key the ledger may hold (canonical, raw, URI-encoded serial). */
export function itemKeyVariants(gtin: string, serial: string): string[] {
  if (PLAIN.test(serial)) return [`/01/${gtin}/21/${serial}`];
  return [
    ...new Set([
      itemKeyOf(gtin, serial),
      `/01/${gtin}/21/${serial}`,
      `/01/${gtin}/21/${encodeURIComponent(serial)}`,
    ]),
  ];
}

export function productFacts(p: Product): TraceProductView {
  return {
    gtin: p.gtin,
    key: `/01/${p.gtin}`,
    nameZh: p.nameZh,
    nameEn: p.nameEn,
    category: p.category,
    owner: p.ownerOrgId,
    licences: p.licences,
  };
}

export function lotFacts(
  lot: Lot,
  flags: { nonConforming: boolean; recalled: boolean } = lot,
): TraceLotView {
  return {
    key: lotKeyOf(lot.gtin, lot.lot),
    lot: lot.lot,
    productionDate: lot.productionDate,
    expiryDate: lot.expiryDate,
    quantity: lot.quantity,
    origin: {
      region: lot.originRegion,
      place: lot.originPlace,
      latitude: lot.latitude,
      longitude: lot.longitude,
    },
    masterData: lot.masterData,
    nonConforming: flags.nonConforming,
    recalled: flags.recalled,
  };
}

/** Inspections and recalls of some lots of a product, with the ledger events that recorded them. */
export async function papersOf(db: Db, gtin: string, lotIds: string[], ctx: TraceContext) {
  const [reports, recallRows] = [
    lotIds.length
      ? await db
          .select()
          .from(inspections)
          .where(inArray(inspections.lotId, lotIds))
          .orderBy(asc(inspections.issueDate), asc(inspections.eventId))
      : [],
    await db
      .select()
      .from(recalls)
      .where(eq(recalls.gtin, gtin))
      .orderBy(asc(recalls.createdAt), asc(recalls.id)),
  ];
  const wanted = new Set(lotIds);
  const lotRecalls = recallRows.filter((r) => r.lotIds.some((id) => wanted.has(id)));
  const eventIds = [
    ...reports.map((r) => r.eventId),
    ...lotRecalls.flatMap((r) => [r.eventId, r.closedEventId]),
  ].filter((id): id is number => typeof id === "number");
  // Which lots each of these events is about, to replay a lot's flags from the ledger alone.
  const lotsOfEvent = new Map<number, string[]>();
  for (const r of reports) if (r.eventId) lotsOfEvent.set(r.eventId, [r.lotId]);
  for (const r of lotRecalls) {
    if (r.eventId) lotsOfEvent.set(r.eventId, r.lotIds);
    if (r.closedEventId) lotsOfEvent.set(r.closedEventId, r.lotIds);
  }
  return {
    eventIds,
    lotsOfEvent,
    inspectorIds: reports.map((r) => r.inspectorOrgId),
    recallOrgIds: lotRecalls.map((r) => r.initiatedByOrgId),
    inspections: (asOf: Date | null) =>
      reports
        .filter((r) => !asOf || issueTime(r.issueDate) <= asOf)
        .map((r) => ({
          id: r.id,
          reportNumber: r.reportNumber,
          conclusion: r.conclusion,
          issueDate: r.issueDate,
          standards: r.standards,
          inspector: r.inspectorOrgId,
          url: `${ctx.baseUrl}/v1/inspections/${r.id}/report.pdf`,
          sha256: r.pdfSha256,
        })),
    recalls: (asOf: Date | null) =>
      lotRecalls
        .filter((r) => !asOf || r.createdAt <= asOf)
        .map((r) => ({
          id: r.id,
          level: r.level,
          status: r.closedAt && (!asOf || r.closedAt <= asOf) ? "closed" : "open",
          reason: r.reason,
          createdAt: r.createdAt.toISOString(),
          url: `${ctx.baseUrl}/v1/recalls/${r.id}`,
        })),
  };
}

const chinaDate = (at: Date) => new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
const str = (v: unknown) => (typeof v === "string" ? v : null);

/**
 * The inspections and recalls of a lot read from its ledger events alone (what an item's trace
 * already holds), so the trace needs no other table and `asOf` applies to them by itself.
 */
export function papersInLedger(history: KeyData[], baseUrl: string) {
  const closed = new Set(
    history.filter((e) => e.kind === "recall_closed").map((e) => str(e.extensions["zs:recallId"])),
  );
  const reports = history.filter((e) => e.kind === "inspection");
  const recallEvents = history.filter((e) => e.kind === "recall");
  return {
    inspectorIds: reports.map((e) => e.actorOrgId),
    recallOrgIds: recallEvents.map((e) => e.actorOrgId),
    inspections: reports.map((e) => {
      const url = e.certificationInfo ?? "";
      const reference = e.bizTransactions.find((t) => t.type === "testres")?.bizTransaction ?? "";
      const standards = e.extensions["zs:standards"];
      return {
        id: /\/v1\/inspections\/([^/]+)\/report\.pdf$/.exec(url)?.[1] ?? e.eventId,
        reportNumber: decodeURIComponent(reference.slice(reference.lastIndexOf(":") + 1)),
        conclusion: e.disposition === "non_conformant" ? ("fail" as const) : ("pass" as const),
        issueDate: chinaDate(e.eventTime),
        standards: Array.isArray(standards) ? standards.map(String) : [],
        inspector: e.actorOrgId ?? "",
        url,
        sha256: str(e.extensions["zs:reportSha256"]),
      };
    }),
    recalls: recallEvents.map((e) => {
      const id = str(e.extensions["zs:recallId"]) ?? e.eventId;
      return {
        id,
        level: str(e.extensions["zs:recallLevel"]) ?? "",
        status: closed.has(id) ? "closed" : "open",
        reason: str(e.extensions["zs:reason"]) ?? "",
        createdAt: e.eventTime.toISOString(),
        url: `${baseUrl}/v1/recalls/${id}`,
      };
    }),
  };
}

/** The ledger time of an inspection: the start of its issue date in China time. */
export const issueTime = (issueDate: string) => new Date(`${issueDate}T00:00:00+08:00`);

export function traceEventView(
  e: KeyData,
  parts: {
    parties: Map<string, PartyView>;
    proofs: Map<number, InclusionRef>;
    what: string;
    quantity: number | null;
    edge?: { from: string | null; to: string | null };
  },
): TraceEventView {
  const edge = parts.edge ?? edgeOf(e);
  const references = e.bizTransactions
    .filter((t) => typeof t.bizTransaction === "string")
    .map((t) => ({ type: t.type ?? "", id: t.bizTransaction! }));
  if (e.certificationInfo) references.push({ type: "certificationInfo", id: e.certificationInfo });
  return {
    id: e.id,
    eventId: e.eventId,
    hashId: e.hashId,
    kind: e.kind,
    eventType: e.eventType,
    action: e.action,
    bizStep: e.bizStep,
    disposition: e.disposition,
    eventTime: e.eventTime.toISOString(),
    eventTimeZoneOffset: e.tzOffset,
    recordTime: e.recordTime.toISOString(),
    actor: e.actorOrgId ? actorOf(parts.parties.get(e.actorOrgId)) : null,
    what: parts.what,
    quantity: parts.quantity,
    from: edge.from,
    to: edge.to,
    where: {
      readPoint: e.readPoint,
      bizLocation: e.bizLocation,
      destinationRegion: e.destinationRegion,
      readPointName: null,
      bizLocationName: null,
    },
    references,
    inclusion: parts.proofs.get(e.id) ?? null,
    declares: e.declares,
    correction: e.correction,
  };
}

/** Party ids named by events and edges (never the consumer, who is no party). */
export function partyIdsOf(
  rows: KeyData[],
  edges: { from: string | null; to: string | null }[],
): string[] {
  const ids = new Set<string>();
  for (const e of rows) {
    if (e.actorOrgId) ids.add(e.actorOrgId);
    if (e.carrierOrgId) ids.add(e.carrierOrgId);
  }
  for (const { from, to } of edges) {
    if (from && from !== "consumer") ids.add(from);
    if (to && to !== "consumer") ids.add(to);
  }
  return [...ids];
}

/** Gives the events of a trace the master data names of their read points and business locations. */
export async function nameThePlaces(db: Db, events: TraceEventView[]): Promise<void> {
  const ids = new Set(
    events
      .flatMap((e) => [e.where.readPoint, e.where.bizLocation])
      .filter((id): id is string => id !== null && !id.startsWith("urn:zhuisu:")),
  );
  if (ids.size === 0) return;
  const names = await masterDataNames(db, ids);
  for (const e of events) {
    e.where.readPointName = (e.where.readPoint && names.get(e.where.readPoint)) || null;
    e.where.bizLocationName = (e.where.bizLocation && names.get(e.where.bizLocation)) || null;
  }
}
