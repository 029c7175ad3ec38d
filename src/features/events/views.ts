// How events are shown: the stored EPCIS document with its actor's verified identity.

import type { z } from "@hono/zod-openapi";
import { and, asc, eq, inArray, or } from "drizzle-orm";
import { type EventRow, eventSubjects, events, type Org, orgs } from "../../db/schema";
import type { Db } from "../../db/types";
import { AppError } from "../../lib/errors";
import type { EventView } from "./schemas";

export type EventViewT = z.infer<typeof EventView>;

type Actor = Pick<Org, "id" | "nameZh" | "uscc" | "status">;

/** `known`: organisations the caller has already read (the caller itself), which need no query. */
export async function eventViews(
  db: Db,
  rows: EventRow[],
  known: Actor[] = [],
): Promise<EventViewT[]> {
  const actorIds = [
    ...new Set(
      rows
        .map((r) => r.actorOrgId)
        .filter((id): id is string => id !== null && !known.some((k) => k.id === id)),
    ),
  ];
  const read = actorIds.length
    ? await db
        .select({ id: orgs.id, nameZh: orgs.nameZh, uscc: orgs.uscc, status: orgs.status })
        .from(orgs)
        .where(inArray(orgs.id, actorIds))
    : [];
  const byId = new Map<string, Actor>([...known, ...read].map((a) => [a.id, a]));
  return rows.map((r) => {
    const actor = r.actorOrgId ? byId.get(r.actorOrgId) : undefined;
    return {
      id: r.id,
      eventId: r.eventId,
      hashId: r.hashId,
      kind: r.kind,
      eventType: r.eventType,
      action: r.action,
      bizStep: r.bizStep,
      disposition: r.disposition,
      eventTime: r.eventTime.toISOString(),
      recordTime: r.recordTime.toISOString(),
      actor: actor
        ? {
            id: actor.id,
            nameZh: actor.nameZh,
            uscc: actor.uscc,
            verified: actor.status === "verified",
          }
        : null,
      document: r.document,
    };
  });
}

/** An event by our numeric id or by its EPCIS eventID. */
export async function getEvent(db: Db, id: string): Promise<EventRow> {
  const numeric = /^\d{1,15}$/.test(id) ? Number(id) : null;
  const [row] = await db
    .select()
    .from(events)
    .where(
      numeric !== null
        ? or(eq(events.id, numeric), eq(events.eventId, id))
        : eq(events.eventId, id),
    )
    .limit(1);
  if (!row) throw new AppError("not_found", `event ${id} does not exist`);
  return row;
}

/** Every event that touches `key`, in time order (ties in arrival order). */
export async function historyOf(db: Db, key: string, roles?: string[]): Promise<EventRow[]> {
  const rows = await db
    .selectDistinct({ event: events })
    .from(eventSubjects)
    .innerJoin(events, eq(events.id, eventSubjects.eventId))
    .where(
      and(
        eq(eventSubjects.subjectKey, key),
        roles ? inArray(eventSubjects.role, roles) : undefined,
      ),
    )
    .orderBy(asc(events.eventTime), asc(events.id));
  return rows.map((r) => r.event);
}
