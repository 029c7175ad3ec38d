// Reading inspection reports: views with the laboratory's accreditation, lists, the PDF, who must see a failure.
import type { z } from "@hono/zod-openapi";
import { and, desc, eq, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import { parseCode } from "../../codes";
import { rowsOf } from "../../db/rows";
import {
  documents,
  events,
  type Inspection as InspectionRow,
  inspections,
  lots,
  type Org,
  orgs,
  products,
} from "../../db/schema";
import type { Db } from "../../db/types";
import { AppError, notFound } from "../../lib/errors";
import { decodeCursor, encodeCursor } from "../../lib/pagination";
import { lotKeyOf } from "../trace/common";
import type { Inspection, InspectionListQuery } from "./schemas";
import { isAccreditation, reportUrl } from "./service";

export type InspectionView = z.infer<typeof Inspection>;

const viewColumns = {
  inspection: inspections,
  nonConforming: lots.nonConforming,
  productName: products.nameZh,
  inspector: orgs,
  size: documents.size,
  eventId: events.eventId,
  hashId: events.hashId,
};

function toView(
  r: {
    inspection: InspectionRow;
    nonConforming: boolean;
    productName: string;
    inspector: Org;
    size: number | null;
    eventId: string | null;
    hashId: string | null;
  },
  baseUrl: string,
): InspectionView {
  const i = r.inspection;
  return {
    id: i.id,
    lot: { key: lotKeyOf(i.gtin, i.lot), gtin: i.gtin, lot: i.lot, nonConforming: r.nonConforming },
    product: { gtin: i.gtin, nameZh: r.productName },
    inspector: {
      id: r.inspector.id,
      nameZh: r.inspector.nameZh,
      uscc: r.inspector.uscc,
      verified: r.inspector.status === "verified",
      accreditation: r.inspector.licences.filter(isAccreditation),
    },
    reportNumber: i.reportNumber,
    standards: i.standards,
    testItems: i.testItems,
    samplingDate: i.samplingDate,
    issueDate: i.issueDate,
    conclusion: i.conclusion,
    report: {
      url: reportUrl(baseUrl, i.id),
      sha256: i.pdfSha256 ?? "",
      size: r.size ?? 0,
      contentType: "application/pdf",
    },
    event: { id: i.eventId ?? 0, eventId: r.eventId ?? "", hashId: r.hashId ?? "" },
    createdAt: i.createdAt.toISOString(),
  };
}

async function selectViews(db: Db, where: SQL | undefined, limit: number, baseUrl: string) {
  const rows = await db
    .select(viewColumns)
    .from(inspections)
    .innerJoin(lots, eq(lots.id, inspections.lotId))
    .innerJoin(products, eq(products.gtin, inspections.gtin))
    .innerJoin(orgs, eq(orgs.id, inspections.inspectorOrgId))
    .leftJoin(documents, eq(documents.sha256, inspections.pdfSha256))
    .leftJoin(events, eq(events.id, inspections.eventId))
    .where(where)
    .orderBy(desc(inspections.createdAt), desc(inspections.id))
    .limit(limit);
  return rows.map((r) => toView(r, baseUrl));
}

export async function getInspection(db: Db, id: string, baseUrl: string): Promise<InspectionView> {
  const [view] = await selectViews(db, eq(inspections.id, id), 1, baseUrl);
  if (!view) throw notFound(`inspection ${id}`);
  return view;
}

export async function listInspections(
  db: Db,
  query: z.infer<typeof InspectionListQuery>,
  baseUrl: string,
): Promise<{ items: InspectionView[]; next: string | null }> {
  const conditions: (SQL | undefined)[] = [];
  if (query.lot) {
    const parsed = parseCode(query.lot, { gbt33993: false });
    if (!parsed.ok || parsed.value.kind !== "gs1" || parsed.value.level !== "lot") {
      throw new AppError(
        "invalid_code",
        `query.lot: ${parsed.ok ? "does not name a lot (GTIN + lot)" : parsed.error.message}`,
        { errors: [{ path: "query.lot", message: "not a lot code" }] },
      );
    }
    conditions.push(
      and(eq(inspections.gtin, parsed.value.gtin!), eq(inspections.lot, parsed.value.lot!)),
    );
  }
  if (query.inspector) conditions.push(eq(inspections.inspectorOrgId, query.inspector));
  if (query.conclusion) conditions.push(eq(inspections.conclusion, query.conclusion));
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    const at = new Date(cursor.at);
    conditions.push(
      or(
        lt(inspections.createdAt, at),
        and(eq(inspections.createdAt, at), lt(inspections.id, cursor.id)),
      ),
    );
  }
  const rows = await selectViews(db, and(...conditions), query.limit + 1, baseUrl);
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page,
    next:
      rows.length > query.limit && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null,
  };
}

/** The report PDF of an inspection. */
export async function reportPdf(db: Db, id: string) {
  const [row] = await db
    .select({
      data: documents.data,
      sha256: documents.sha256,
      reportNumber: inspections.reportNumber,
    })
    .from(inspections)
    .innerJoin(documents, eq(documents.sha256, inspections.pdfSha256))
    .where(eq(inspections.id, id));
  if (!row) throw notFound(`the report PDF of inspection ${id}`);
  return row;
}

/**
 * Non-conforming lots that concern an organisation: it owns the product, holds units of the lot,
 * sold some, or lists the product or lot in its shop.
 */
export async function nonConformingFor(db: Db, orgId: string, baseUrl: string) {
  const listed = await db.execute(sql`
    select distinct s.subject_key as key from event_subjects s join events e on e.id = s.event_id
    where e.kind = 'listing' and e.actor_org_id = ${orgId} and s.role <> 'context'`);
  const listedGtins = new Set<string>();
  const listedLots = new Set<string>();
  for (const { key } of rowsOf<{ key: string }>(listed)) {
    const parsed = parseCode(key, { gbt33993: false });
    if (!parsed.ok || parsed.value.kind !== "gs1" || !parsed.value.gtin) continue;
    if (parsed.value.level === "lot") listedLots.add(`${parsed.value.gtin} ${parsed.value.lot}`);
    else listedGtins.add(parsed.value.gtin);
  }
  const rows = await db
    .select({
      lot: lots,
      productName: products.nameZh,
      owner: products.ownerOrgId,
      held: sql<number>`(select count(*)::int from items i where i.lot_id = ${lots.id} and i.custodian_org_id = ${orgId})`,
      sold: sql<number>`(select count(*)::int from items i where i.lot_id = ${lots.id} and i.seller_org_id = ${orgId})`,
    })
    .from(lots)
    .innerJoin(products, eq(products.gtin, lots.gtin))
    .where(
      and(
        eq(lots.nonConforming, true),
        or(
          eq(products.ownerOrgId, orgId),
          sql`exists (select 1 from items i where i.lot_id = ${lots.id} and (i.custodian_org_id = ${orgId} or i.seller_org_id = ${orgId}))`,
          listedGtins.size ? inArray(lots.gtin, [...listedGtins]) : undefined,
          listedLots.size
            ? inArray(sql`${lots.gtin} || ' ' || ${lots.lot}`, [...listedLots])
            : undefined,
        ),
      ),
    )
    .orderBy(desc(lots.createdAt))
    .limit(500);
  const failed = rows.length
    ? await db
        .selectDistinctOn([inspections.lotId], {
          lotId: inspections.lotId,
          id: inspections.id,
          reportNumber: inspections.reportNumber,
          issueDate: inspections.issueDate,
          inspectorOrgId: inspections.inspectorOrgId,
        })
        .from(inspections)
        .where(
          and(
            inArray(
              inspections.lotId,
              rows.map((r) => r.lot.id),
            ),
            eq(inspections.conclusion, "fail"),
          ),
        )
        .orderBy(inspections.lotId, desc(inspections.issueDate), desc(inspections.eventId))
    : [];
  const failedByLot = new Map(failed.map((f) => [f.lotId, f]));
  return rows.map((r) => {
    const why: ("owner" | "custodian" | "seller" | "lister")[] = [];
    if (r.owner === orgId) why.push("owner");
    if (Number(r.held) > 0) why.push("custodian");
    if (Number(r.sold) > 0) why.push("seller");
    if (listedGtins.has(r.lot.gtin) || listedLots.has(`${r.lot.gtin} ${r.lot.lot}`))
      why.push("lister");
    const f = failedByLot.get(r.lot.id);
    return {
      key: lotKeyOf(r.lot.gtin, r.lot.lot),
      gtin: r.lot.gtin,
      lot: r.lot.lot,
      productName: r.productName,
      recalled: r.lot.recalled,
      why,
      unitsHeld: Number(r.held),
      failedReport: f
        ? {
            id: f.id,
            reportNumber: f.reportNumber,
            issueDate: f.issueDate,
            inspectorOrgId: f.inspectorOrgId,
            url: reportUrl(baseUrl, f.id),
          }
        : null,
    };
  });
}
