// Red and black lists: entries decided by regulators, their publication window, and credit repair.
import type { z } from "@hono/zod-openapi";
import { and, desc, eq, gt, isNull, lt, lte, or, type SQL } from "drizzle-orm";
import {
  type ListEntry,
  type ListRepair,
  listEntries,
  listRepairs,
  type Org,
  orgs,
  type RepairStatus,
} from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { AppError } from "../../lib/errors";
import { decodeCursor, encodeCursor } from "../../lib/pagination";
import { assertWithin, orgInJurisdiction as inJurisdiction, withinSql } from "../orgs/jurisdiction";
import { regionView } from "../orgs/profile";
import { newId } from "../orgs/service";
import { defaultAppeal, isPublished, publicationWindow } from "./periods";
import type { CreateListEntryBody, ListEntryView, RepairView } from "./schemas";

const todayOf = (clock: Clock) => clock.now().toISOString().slice(0, 10);
const isRegulator = (org: Org | null) => org?.roles.includes("regulator") ?? false;

export function repairView(r: ListRepair): z.infer<typeof RepairView> {
  return {
    id: r.id,
    entryId: r.entryId,
    orgId: r.orgId,
    statement: r.statement,
    proof: r.proof,
    status: r.status,
    requestedAt: r.requestedAt.toISOString(),
    decisionReason: r.decisionReason,
    decidedByOrgId: r.decidedByOrgId,
    decidedAt: r.decidedAt?.toISOString() ?? null,
  };
}

export function entryView(
  e: ListEntry,
  org: Org,
  today: string,
  repairs?: ListRepair[],
): z.infer<typeof ListEntryView> {
  return {
    id: e.id,
    list: e.list,
    org: { id: org.id, nameZh: org.nameZh, uscc: org.uscc, region: regionView(org.regionCode) },
    reason: e.reason,
    legalBasis: e.legalBasis,
    authority: e.authority,
    severity: e.severity,
    listedOn: e.listedOn,
    minPublishUntil: e.minPublishUntil,
    maxPublishUntil: e.maxPublishUntil,
    appeal: e.appeal,
    published: isPublished(e, today),
    removal:
      e.removedAt && e.removalReason
        ? { at: e.removedAt.toISOString(), reason: e.removalReason, authority: e.removalAuthority }
        : null,
    ...(repairs ? { repairs: repairs.map(repairView) } : {}),
  };
}

export async function createEntry(
  db: Db,
  clock: Clock,
  actor: Org,
  input: z.infer<typeof CreateListEntryBody>,
): Promise<{ entry: ListEntry; org: Org }> {
  const today = todayOf(clock);
  if (input.listedOn > today) {
    throw new AppError("validation_failed", `json.listedOn: ${input.listedOn} is in the future`, {
      errors: [{ path: "json.listedOn", message: `is after today (${today})` }],
    });
  }
  return db.transaction(async (tx) => {
    const [org] = await tx.select().from(orgs).where(eq(orgs.id, input.orgId));
    if (!org) {
      throw new AppError(
        "validation_failed",
        `json.orgId: organisation ${input.orgId} does not exist`,
        {
          errors: [{ path: "json.orgId", message: "no such organisation" }],
        },
      );
    }
    assertWithin(actor, org.regionCode, `organisation ${org.id}`);
    const window = publicationWindow(input.list, input.severity, input.listedOn);
    const [entry] = await tx
      .insert(listEntries)
      .values({
        id: newId("lst"),
        orgId: org.id,
        list: input.list,
        reason: input.reason,
        legalBasis: input.legalBasis,
        authority: input.authority,
        severity: input.severity,
        listedOn: input.listedOn,
        ...window,
        appeal: input.appeal ?? defaultAppeal(input.listedOn, input.authority),
        decidedByOrgId: actor.id,
        createdAt: clock.now(),
      })
      .returning();
    return { entry: entry!, org };
  });
}

/** The public lists: entries in their publication window today, newest first. */
export async function listPublished(
  db: Db,
  clock: Clock,
  filter: { list?: "red" | "black"; region?: string; limit: number; cursor?: string },
) {
  const today = todayOf(clock);
  const position = decodeCursor(filter.cursor);
  const conditions: (SQL | undefined)[] = [
    isNull(listEntries.removedAt),
    lte(listEntries.listedOn, today),
    gt(listEntries.maxPublishUntil, today),
    filter.list ? eq(listEntries.list, filter.list) : undefined,
    filter.region ? withinSql(orgs.regionCode, filter.region) : undefined,
    position
      ? or(
          lt(listEntries.createdAt, new Date(position.at)),
          and(eq(listEntries.createdAt, new Date(position.at)), lt(listEntries.id, position.id)),
        )
      : undefined,
  ];
  const rows = await db
    .select({ entry: listEntries, org: orgs })
    .from(listEntries)
    .innerJoin(orgs, eq(orgs.id, listEntries.orgId))
    .where(and(...conditions.filter((c) => c !== undefined)))
    .orderBy(desc(listEntries.createdAt), desc(listEntries.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => entryView(r.entry, r.org, today)),
    next:
      rows.length > filter.limit && last
        ? encodeCursor({ at: last.entry.createdAt.toISOString(), id: last.entry.id })
        : null,
  };
}

async function loadEntry(db: Db, id: string, lock = false) {
  const query = db
    .select({ entry: listEntries, org: orgs })
    .from(listEntries)
    .innerJoin(orgs, eq(orgs.id, listEntries.orgId))
    .where(eq(listEntries.id, id));
  const [row] = lock ? await query.for("update", { of: listEntries }) : await query;
  return row ?? null;
}

/** Published entries are public; past ones only to the organisation listed and to regulators. */
export async function getEntry(db: Db, clock: Clock, viewer: Org | null, id: string) {
  const today = todayOf(clock);
  const row = await loadEntry(db, id);
  const privileged = row && (isRegulator(viewer) || viewer?.id === row.entry.orgId);
  if (!row || (!isPublished(row.entry, today) && !privileged)) {
    throw new AppError("not_found", `list entry ${id} does not exist or is no longer published`);
  }
  const repairs = privileged
    ? await db
        .select()
        .from(listRepairs)
        .where(eq(listRepairs.entryId, id))
        .orderBy(listRepairs.requestedAt)
    : undefined;
  return entryView(row.entry, row.org, today, repairs);
}

function mustBePublished(entry: ListEntry, today: string) {
  if (entry.removedAt) {
    throw new AppError(
      "conflict",
      `list entry ${entry.id} was already removed on ${entry.removedAt.toISOString().slice(0, 10)}`,
    );
  }
  if (today >= entry.maxPublishUntil) {
    throw new AppError(
      "conflict",
      `publication of list entry ${entry.id} ended by itself on ${entry.maxPublishUntil}`,
    );
  }
}

/** 信用修复: the listed organisation asks, once the minimum publication period has passed. */
export async function requestRepair(
  db: Db,
  clock: Clock,
  actor: Org,
  id: string,
  input: { statement: string; proof: string[] },
): Promise<ListRepair> {
  const today = todayOf(clock);
  return db.transaction(async (tx) => {
    const row = await loadEntry(tx, id, true);
    if (!row || (row.entry.orgId !== actor.id && !isPublished(row.entry, today))) {
      throw new AppError("not_found", `list entry ${id} does not exist or is no longer published`);
    }
    const { entry } = row;
    if (entry.orgId !== actor.id) {
      throw new AppError(
        "forbidden",
        `only the listed organisation (${entry.orgId}) may ask for credit repair of entry ${id}`,
      );
    }
    if (entry.list !== "black") {
      throw new AppError(
        "conflict",
        `entry ${id} is on the red list; credit repair is for black-list entries`,
      );
    }
    mustBePublished(entry, today);
    if (today < entry.minPublishUntil) {
      throw new AppError(
        "validation_failed",
        `minPublishUntil: credit repair of entry ${id} may be requested from ${entry.minPublishUntil}, not before`,
        {
          minPublishUntil: entry.minPublishUntil,
          errors: [
            {
              path: "minPublishUntil",
              message: `the minimum publication period runs until ${entry.minPublishUntil}`,
            },
          ],
        },
      );
    }
    const [pending] = await tx
      .select({ id: listRepairs.id })
      .from(listRepairs)
      .where(and(eq(listRepairs.entryId, id), eq(listRepairs.status, "pending")));
    if (pending) {
      throw new AppError(
        "conflict",
        `a repair request (${pending.id}) for entry ${id} is already waiting for a decision`,
        { pendingRepairId: pending.id },
      );
    }
    const [repair] = await tx
      .insert(listRepairs)
      .values({
        id: newId("rep"),
        entryId: id,
        orgId: actor.id,
        statement: input.statement,
        proof: input.proof,
        requestedAt: clock.now(),
      })
      .returning();
    return repair!;
  });
}

export async function decideRepair(
  db: Db,
  clock: Clock,
  actor: Org,
  id: string,
  input: { decision: "granted" | "rejected"; reason: string; authority?: string },
): Promise<{ repair: ListRepair; entry: ListEntry; org: Org }> {
  const today = todayOf(clock);
  return db.transaction(async (tx) => {
    const row = await loadEntry(tx, id, true);
    if (!row) throw new AppError("not_found", `list entry ${id} does not exist`);
    assertWithin(actor, row.org.regionCode, `organisation ${row.org.id}`);
    const [pending] = await tx
      .select()
      .from(listRepairs)
      .where(and(eq(listRepairs.entryId, id), eq(listRepairs.status, "pending")))
      .for("update");
    if (!pending) {
      throw new AppError("conflict", `no repair request of entry ${id} is waiting for a decision`);
    }
    const now = clock.now();
    let entry = row.entry;
    if (input.decision === "granted") {
      mustBePublished(entry, today);
      [entry] = (await tx
        .update(listEntries)
        .set({
          removedAt: now,
          removalReason: input.reason,
          removedByOrgId: actor.id,
          removalAuthority: input.authority ?? actor.nameZh,
        })
        .where(eq(listEntries.id, id))
        .returning()) as [ListEntry];
    }
    const [repair] = await tx
      .update(listRepairs)
      .set({
        status: input.decision,
        decisionReason: input.reason,
        decidedByOrgId: actor.id,
        decidedAt: now,
      })
      .where(eq(listRepairs.id, pending.id))
      .returning();
    return { repair: repair!, entry, org: row.org };
  });
}

/** A regulator ends publication early (a decision revoked, a red-list honour withdrawn). */
export async function removeEntry(
  db: Db,
  clock: Clock,
  actor: Org,
  id: string,
  input: { reason: string; authority?: string },
): Promise<{ entry: ListEntry; org: Org }> {
  const today = todayOf(clock);
  return db.transaction(async (tx) => {
    const row = await loadEntry(tx, id, true);
    if (!row) throw new AppError("not_found", `list entry ${id} does not exist`);
    assertWithin(actor, row.org.regionCode, `organisation ${row.org.id}`);
    mustBePublished(row.entry, today);
    const [entry] = await tx
      .update(listEntries)
      .set({
        removedAt: clock.now(),
        removalReason: input.reason,
        removedByOrgId: actor.id,
        removalAuthority: input.authority ?? actor.nameZh,
      })
      .where(eq(listEntries.id, id))
      .returning();
    return { entry: entry!, org: row.org };
  });
}

/** Repair requests, oldest first: all of them for regulators, an organisation's own otherwise. */
export async function listRepairRequests(
  db: Db,
  viewer: Org,
  filter: { status?: RepairStatus; limit: number; cursor?: string },
) {
  const position = decodeCursor(filter.cursor);
  const conditions: (SQL | undefined)[] = [
    filter.status ? eq(listRepairs.status, filter.status) : undefined,
    isRegulator(viewer)
      ? inJurisdiction(listRepairs.orgId, viewer)
      : eq(listRepairs.orgId, viewer.id),
    position
      ? or(
          gt(listRepairs.requestedAt, new Date(position.at)),
          and(eq(listRepairs.requestedAt, new Date(position.at)), gt(listRepairs.id, position.id)),
        )
      : undefined,
  ];
  const rows = await db
    .select()
    .from(listRepairs)
    .where(and(...conditions.filter((c) => c !== undefined)))
    .orderBy(listRepairs.requestedAt, listRepairs.id)
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    items: page.map(repairView),
    next:
      rows.length > filter.limit && last
        ? encodeCursor({ at: last.requestedAt.toISOString(), id: last.id })
        : null,
  };
}
