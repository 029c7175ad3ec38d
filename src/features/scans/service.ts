// Recording scans of item codes, counting them, and raising cloned-code and counterfeit-scan alerts.
import { and, asc, count, desc, eq, gte, inArray, isNull, min, sql } from "drizzle-orm";
import { jsonDate, jsonValue } from "../../db/json-rows";
import { alerts, scans } from "../../db/schema";
import type { Db } from "../../db/types";
import { raiseAlert } from "../alerts/raise";
import { type CloneSignal, cloneSignals, RULES_LOOKBACK_MS, roundCoordinate } from "./rules";

export interface ScannedItem {
  id: number;
  /** Canonical key, /01/{gtin}/21/{serial}. */
  key: string;
  gtin: string;
  serial: string;
  state: string;
  /** The brand owner: the alert goes to it (and to every inspector's queue). */
  ownerOrgId: string;
}

export interface ScanContext {
  now: Date;
  fingerprint: string;
}

/** Scans read per evaluation: enough for every rule, bounded for a code scanned millions of times. */
const SCANS_EVALUATED = 2_000;
/** A shared location is attached to this client's scan of the item within this time. */
const LOCATION_ATTACH_MS = 60 * 60_000;

async function evaluate(tx: Db, item: ScannedItem, now: Date): Promise<CloneSignal[]> {
  const recent = await tx
    .select()
    .from(scans)
    .where(
      and(eq(scans.itemId, item.id), gte(scans.at, new Date(now.getTime() - RULES_LOOKBACK_MS))),
    )
    .orderBy(desc(scans.at))
    .limit(SCANS_EVALUATED);
  const signals = cloneSignals(recent, now);
  if (signals.length > 0)
    await raiseCloned(
      tx,
      item,
      now,
      signals,
      recent.map((s) => s.id),
    );
  return signals;
}

/** The ids of the scans named in an alert's details: the latest few. */
const SCAN_IDS_IN_ALERT = 20;

function raiseCloned(tx: Db, item: ScannedItem, now: Date, signals: CloneSignal[], ids: number[]) {
  return raiseAlert(tx, now, {
    kind: "cloned_code",
    severity: "high",
    subjectKey: item.key,
    orgId: item.ownerOrgId,
    evidence: [],
    details: {
      rules: signals.map((s) => s.rule),
      reasons: signals.map((s) => s.message),
      ...Object.fromEntries(signals.map((s) => [s.rule, s.details])),
      lastScanAt: now.toISOString(),
      scanIds: ids.slice(0, SCAN_IDS_IN_ALERT),
    },
  });
}

interface RecordedJson {
  recent: {
    id: number;
    at: string;
    fingerprint: string;
    latitude: number | null;
    longitude: number | null;
    itemState: string | null;
  }[];
  count: number;
  firstAt: string;
}

/**
 * Records a scan of a commissioned item and checks the cloned-code rules. The insert, the
 * scans the rules read and the item's tally are one statement (one round trip); an alert, when
 * a rule fires, is a second. Returns the signals and the tally including this scan.
 */
export async function recordItemScan(
  db: Db,
  ctx: ScanContext,
  item: ScannedItem,
): Promise<{ signals: CloneSignal[]; stats: ScanStats }> {
  const since = new Date(ctx.now.getTime() - RULES_LOOKBACK_MS);
  const at = sql`${ctx.now.toISOString()}::timestamptz`;
  // The inserted row is not visible to the other parts of the same statement: it is added to
  // both the scans read and the tally by hand.
  const result = await db.execute(sql`
    with added as (
      insert into scans (gtin, serial, item_id, item_state, fingerprint, at)
      values (${item.gtin}, ${item.serial}, ${item.id}, ${item.state}, ${ctx.fingerprint}, ${at})
      returning id, at, fingerprint, latitude, longitude, item_state
    ), earlier as (
      select id, at, fingerprint, latitude, longitude, item_state from scans
      where item_id = ${item.id} and at >= ${since.toISOString()}::timestamptz
      order by at desc limit ${SCANS_EVALUATED}
    ), recent as (
      select * from (select * from added union all select * from earlier) r
      order by at desc limit ${SCANS_EVALUATED}
    ), tally as (
      select count(*) as n, min(at) as first from scans where item_id = ${item.id}
    )
    select json_build_object(
      'recent', (select json_agg(json_build_object('id', id, 'at', at, 'fingerprint', fingerprint,
        'latitude', latitude, 'longitude', longitude, 'itemState', item_state) order by at desc) from recent),
      'count', (select n + 1 from tally),
      'firstAt', (select least(first, (select at from added)) from tally)
    ) as v`);
  const row = jsonValue<RecordedJson>(result);
  if (!row) throw new Error("recording a scan returned no row");
  const recent = row.recent.map((s) => ({ ...s, at: jsonDate(s.at) }));
  const signals = cloneSignals(recent, ctx.now);
  if (signals.length > 0)
    await raiseCloned(
      db,
      item,
      ctx.now,
      signals,
      recent.map((s) => s.id),
    );
  return { signals, stats: { count: Number(row.count), firstAt: jsonDate(row.firstAt) } };
}

/** A scan of a serial that was never commissioned under a registered GTIN: a counterfeit signal. */
export async function recordUnknownSerialScan(
  db: Db,
  ctx: ScanContext,
  code: { gtin: string; serial: string; ownerOrgId: string },
): Promise<{ unknownScans: number; distinctSerials: number }> {
  return db.transaction(async (tx) => {
    await tx.insert(scans).values({
      gtin: code.gtin,
      serial: code.serial,
      itemId: null,
      fingerprint: ctx.fingerprint,
      at: ctx.now,
    });
    const [tally] = await tx
      .select({
        unknownScans: count(),
        distinctSerials: sql<number>`count(distinct ${scans.serial})`.mapWith(Number),
        firstAt: min(scans.at),
      })
      .from(scans)
      .where(and(eq(scans.gtin, code.gtin), isNull(scans.itemId)));
    const counted = {
      unknownScans: Number(tally?.unknownScans ?? 1),
      distinctSerials: Number(tally?.distinctSerials ?? 1),
    };
    await raiseAlert(tx, ctx.now, {
      kind: "counterfeit_scan",
      severity: "medium",
      subjectKey: `/01/${code.gtin}`,
      orgId: code.ownerOrgId,
      evidence: [],
      details: {
        ...counted,
        firstScanAt: tally?.firstAt ? new Date(tally.firstAt).toISOString() : ctx.now.toISOString(),
        lastScanAt: ctx.now.toISOString(),
        lastSerial: code.serial,
      },
    });
    return counted;
  });
}

/**
 * Attaches a location the user chose to share (rounded to 0.1°) to their latest scan of the item
 * in the last hour, and re-checks the rules. False when this client has not scanned it lately.
 */
export async function shareLocation(
  db: Db,
  ctx: ScanContext,
  item: ScannedItem,
  location: { latitude: number; longitude: number },
): Promise<{ attached: boolean; signals: CloneSignal[] }> {
  return db.transaction(async (tx) => {
    const [latest] = await tx
      .select({ id: scans.id })
      .from(scans)
      .where(
        and(
          eq(scans.itemId, item.id),
          eq(scans.fingerprint, ctx.fingerprint),
          gte(scans.at, new Date(ctx.now.getTime() - LOCATION_ATTACH_MS)),
        ),
      )
      .orderBy(desc(scans.at), desc(scans.id))
      .limit(1);
    if (!latest) return { attached: false, signals: [] };
    await tx
      .update(scans)
      .set({
        latitude: roundCoordinate(location.latitude),
        longitude: roundCoordinate(location.longitude),
      })
      .where(eq(scans.id, latest.id));
    return { attached: true, signals: await evaluate(tx, item, ctx.now) };
  });
}

export interface ScanStats {
  count: number;
  firstAt: Date | null;
}

export async function scanStats(db: Db, itemId: number): Promise<ScanStats> {
  const [row] = await db
    .select({ n: count(), first: min(scans.at) })
    .from(scans)
    .where(eq(scans.itemId, itemId));
  return { count: Number(row?.n ?? 0), firstAt: row?.first ? new Date(row.first) : null };
}

/** The cloned-code alert on an item that is still open or was confirmed (a dismissed one is not shown). */
export async function clonedCodeAlert(db: Db, itemKey: string) {
  const [row] = await db
    .select({
      id: alerts.id,
      status: alerts.status,
      details: alerts.details,
      createdAt: alerts.createdAt,
    })
    .from(alerts)
    .where(
      and(
        eq(alerts.kind, "cloned_code"),
        eq(alerts.subjectKey, itemKey),
        inArray(alerts.status, ["open", "confirmed"]),
      ),
    )
    .orderBy(asc(alerts.createdAt))
    .limit(1);
  return row ?? null;
}
