// The alert queue: who sees which alerts, and the decisions, assignments and responses on them.
import type { z } from "@hono/zod-openapi";
import { and, desc, eq, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import {
  type Alert,
  type AlertKind,
  type AlertSeverity,
  type AlertStatus,
  alerts,
  type Org,
  orgs,
} from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { AppError } from "../../lib/errors";
import { decodeCursor, encodeCursor } from "../../lib/pagination";
import { orgInJurisdiction, withinSql } from "../orgs/jurisdiction";
import type { AlertView } from "./schemas";

/** Inspectors and regulators work the whole queue; everyone else sees what concerns it. */
export const worksQueue = (org: Org) =>
  org.roles.includes("inspector") || org.roles.includes("regulator");

const canSee = (viewer: Org, alert: Alert) =>
  worksQueue(viewer) || alert.orgId === viewer.id || alert.assignedToOrgId === viewer.id;

/**
 * A regulator's queue holds the alerts about organisations inside its jurisdiction, and those
 * assigned to it; an inspector (a laboratory, no territory) works the whole queue.
 */
const inQueueOf = (viewer: Org): SQL | undefined => {
  if (!viewer.roles.includes("regulator") || viewer.roles.includes("inspector")) return undefined;
  const inside = orgInJurisdiction(alerts.orgId, viewer);
  return inside ? or(inside, eq(alerts.assignedToOrgId, viewer.id)) : undefined;
};

/**
 * Alerts about a shipment that a carrier's own records (its dispatch, its sign-off) raised: the
 * carrier sees them, as it saw the facts. Other kinds stay with the organisation concerned.
 */
const SHIPMENT_ALERTS: AlertKind[] = [
  "empty_parcel",
  "impossible_transit",
  "sign_off_without_dispatch",
];
const raisedByRecordsOf = (orgId: string) =>
  sql`(${inArray(alerts.kind, SHIPMENT_ALERTS)} and exists (select 1 from events e
    where e.actor_org_id = ${orgId} and e.kind in ('dispatch', 'sign_off')
    and e.id in (select (jsonb_array_elements_text(${alerts.evidence}))::bigint)))`;

export function alertView(a: Alert): z.infer<typeof AlertView> {
  return {
    id: a.id,
    kind: a.kind,
    severity: a.severity,
    status: a.status,
    subjectKey: a.subjectKey,
    orgId: a.orgId,
    evidence: [...a.evidence].map(Number).sort((x, y) => x - y),
    details: a.details,
    assignedToOrgId: a.assignedToOrgId,
    assignedAt: a.assignedAt?.toISOString() ?? null,
    decision:
      a.status !== "open" && a.decidedAt && a.decidedByOrgId
        ? {
            status: a.status,
            reason: a.decisionReason ?? "",
            decidedByOrgId: a.decidedByOrgId,
            decidedAt: a.decidedAt.toISOString(),
          }
        : null,
    response:
      a.response && a.respondedAt ? { text: a.response, at: a.respondedAt.toISOString() } : null,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

export interface AlertFilter {
  kind?: AlertKind;
  status?: AlertStatus;
  severity?: AlertSeverity;
  orgId?: string;
  assignedTo?: string;
  /** Alerts about organisations registered inside this GB/T 2260 region. */
  region?: string;
  createdBefore?: string;
  limit: number;
  cursor?: string;
}

/** Newest first; a non-queue viewer only ever gets its own alerts, whatever it filters on. */
export async function listAlerts(db: Db, viewer: Org, filter: AlertFilter) {
  const position = decodeCursor(filter.cursor);
  const conditions: (SQL | undefined)[] = [
    filter.kind ? eq(alerts.kind, filter.kind) : undefined,
    filter.status ? eq(alerts.status, filter.status) : undefined,
    filter.severity ? eq(alerts.severity, filter.severity) : undefined,
    filter.orgId ? eq(alerts.orgId, filter.orgId) : undefined,
    filter.assignedTo ? eq(alerts.assignedToOrgId, filter.assignedTo) : undefined,
    filter.region
      ? sql`exists (select 1 from orgs as concerned where concerned.id = ${alerts.orgId} and ${withinSql(sql`concerned.region_code`, filter.region)})`
      : undefined,
    filter.createdBefore ? lt(alerts.createdAt, new Date(filter.createdBefore)) : undefined,
    worksQueue(viewer)
      ? inQueueOf(viewer)
      : or(
          eq(alerts.orgId, viewer.id),
          eq(alerts.assignedToOrgId, viewer.id),
          raisedByRecordsOf(viewer.id),
        ),
    position
      ? or(
          lt(alerts.createdAt, new Date(position.at)),
          and(eq(alerts.createdAt, new Date(position.at)), lt(alerts.id, position.id)),
        )
      : undefined,
  ];
  const rows = await db
    .select()
    .from(alerts)
    .where(and(...conditions.filter((c) => c !== undefined)))
    .orderBy(desc(alerts.createdAt), desc(alerts.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    items: page.map(alertView),
    next:
      rows.length > filter.limit && last
        ? encodeCursor({ at: last.createdAt.toISOString(), id: last.id })
        : null,
  };
}

/** An alert the viewer may see; one it may not see does not exist for it (404, nothing leaks). */
export async function getAlert(db: Db, viewer: Org, id: string, lock = false): Promise<Alert> {
  const query = db
    .select()
    .from(alerts)
    .where(and(eq(alerts.id, id), worksQueue(viewer) ? inQueueOf(viewer) : undefined));
  const [row] = lock ? await query.for("update") : await query;
  const visible =
    row &&
    (canSee(viewer, row) ||
      (
        await db
          .select({ id: alerts.id })
          .from(alerts)
          .where(and(eq(alerts.id, id), raisedByRecordsOf(viewer.id)))
      ).length > 0);
  if (!row || !visible) throw new AppError("not_found", `alert ${id} does not exist`);
  return row;
}

function mustBeOpen(alert: Alert, doing: string) {
  if (alert.status !== "open") {
    throw new AppError(
      "conflict",
      `alert ${alert.id} was already ${alert.status} by ${alert.decidedByOrgId} at ${alert.decidedAt?.toISOString()}; it cannot be ${doing}`,
      { currentStatus: alert.status, decisionReason: alert.decisionReason },
    );
  }
}

export async function decideAlert(
  db: Db,
  clock: Clock,
  actor: Org,
  id: string,
  decision: { status: "confirmed" | "dismissed"; reason: string },
): Promise<Alert> {
  return db.transaction(async (tx) => {
    const alert = await getAlert(tx, actor, id, true);
    mustBeOpen(alert, "decided again");
    const now = clock.now();
    const [row] = await tx
      .update(alerts)
      .set({
        status: decision.status,
        decisionReason: decision.reason,
        decidedByOrgId: actor.id,
        decidedAt: now,
        updatedAt: now,
      })
      .where(eq(alerts.id, id))
      .returning();
    return row!;
  });
}

export async function assignAlert(
  db: Db,
  clock: Clock,
  actor: Org,
  id: string,
  assigneeId: string,
): Promise<Alert> {
  return db.transaction(async (tx) => {
    const alert = await getAlert(tx, actor, id, true);
    mustBeOpen(alert, "assigned");
    const [assignee] = await tx.select().from(orgs).where(eq(orgs.id, assigneeId));
    if (assignee?.status !== "verified" || !worksQueue(assignee)) {
      throw new AppError(
        "validation_failed",
        `json.orgId: ${assigneeId} is not a verified inspector or regulator`,
        { errors: [{ path: "json.orgId", message: "not a verified inspector or regulator" }] },
      );
    }
    const now = clock.now();
    const [row] = await tx
      .update(alerts)
      .set({ assignedToOrgId: assigneeId, assignedAt: now, updatedAt: now })
      .where(eq(alerts.id, id))
      .returning();
    return row!;
  });
}

/** The organisation concerned answers an alert about it, once; the answer is kept beside the decision. */
export async function respondToAlert(
  db: Db,
  clock: Clock,
  actor: Org,
  id: string,
  text: string,
): Promise<Alert> {
  return db.transaction(async (tx) => {
    const alert = await getAlert(tx, actor, id, true);
    if (alert.orgId !== actor.id) {
      throw new AppError(
        "forbidden",
        `only the organisation concerned (${alert.orgId ?? "none"}) responds to alert ${id}`,
      );
    }
    if (alert.response) {
      throw new AppError(
        "conflict",
        `organisation ${actor.id} already responded to alert ${id} at ${alert.respondedAt?.toISOString()}`,
      );
    }
    const now = clock.now();
    const [row] = await tx
      .update(alerts)
      .set({ response: text, respondedAt: now, updatedAt: now })
      .where(eq(alerts.id, id))
      .returning();
    return row!;
  });
}
