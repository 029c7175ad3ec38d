// Recording scans of item codes, counting them, and raising cloned-code and counterfeit-scan alerts.
import { and, asc, count, desc, eq, gte, inArray, isNull, min, sql } from "drizzle-orm";
import { jsonDate, jsonValue } from "../../db/json-rows";
import { alerts, scans } from "../../db/schema";
import type { Db } from "../../db/types";
import { gatherer } from "../../lib/gather";
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
  n: number;
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

export interface ScanRecord {
  ctx: ScanContext;
  item: ScannedItem;
}

export interface RecordedScan {
  signals: CloneSignal[];
  /** The tally including this scan. */
  stats: ScanStats;
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
): Promise<RecordedScan> {
  return (await recordItemScans(db, [{ ctx, item }]))[0]!;
}

/**
 * Records the scans of one request or of a batch in one statement: each scan with the scans of
 * its item the rules read and the item's tally as if the scans had come one after another, the
 * earlier ones of the batch included; then an alert for each scan whose rules fire.
 */
export async function recordItemScans(db: Db, records: ScanRecord[]): Promise<RecordedScan[]> {
  const rows = records.map(({ ctx, item }, n) => ({
    n,
    gtin: item.gtin,
    serial: item.serial,
    item_id: item.id,
    item_state: item.state,
    fingerprint: ctx.fingerprint,
    at: ctx.now.toISOString(),
    since: new Date(ctx.now.getTime() - RULES_LOOKBACK_MS).toISOString(),
  }));
  // The rows inserted are not visible to the other parts of the same statement: each scan's own
  // row and those before it in the batch are added to the scans read and to the tally by hand.
  const result = await db.execute(sql`
    with r as materialized (
      select x.*, nextval(pg_get_serial_sequence('scans', 'id')) as id
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as x(n integer, gtin text, serial text, item_id bigint, item_state text, fingerprint text, at timestamptz,
          since timestamptz)
    ), added as (
      insert into scans (id, gtin, serial, item_id, item_state, fingerprint, at)
      select id, gtin, serial, item_id, item_state, fingerprint, at from r order by n
      returning id
    )
    select coalesce(json_agg(json_build_object(
      'n', r.n,
      'recent', (
        select json_agg(json_build_object('id', q.id, 'at', q.at, 'fingerprint', q.fingerprint,
          'latitude', q.latitude, 'longitude', q.longitude, 'itemState', q.item_state) order by q.at desc, q.id desc)
        from (
          select * from (
            select b.id, b.at, b.fingerprint, null::double precision as latitude,
              null::double precision as longitude, b.item_state
            from r b where b.item_id = r.item_id and b.n <= r.n
            union all
            (select s.id, s.at, s.fingerprint, s.latitude, s.longitude, s.item_state from scans s
              where s.item_id = r.item_id and s.at >= r.since
              order by s.at desc limit ${SCANS_EVALUATED})
          ) u order by u.at desc, u.id desc limit ${SCANS_EVALUATED}
        ) q),
      'count', (select count(*) from scans s where s.item_id = r.item_id)
        + (select count(*) from r b where b.item_id = r.item_id and b.n <= r.n),
      'firstAt', least((select min(s.at) from scans s where s.item_id = r.item_id),
        (select min(b.at) from r b where b.item_id = r.item_id and b.n <= r.n))
    ) order by r.n), '[]'::json) as v
    from r`);
  const recorded = jsonValue<RecordedJson[]>(result);
  if (!recorded || recorded.length !== records.length)
    throw new Error("recording scans returned a row per scan only in part");
  return Promise.all(
    recorded.map(async (row) => {
      const { ctx, item } = records[row.n]!;
      const recent = row.recent.map((s) => ({ ...s, id: Number(s.id), at: jsonDate(s.at) }));
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
    }),
  );
}

/** Scans per statement of the scan writer. */
const SCAN_BATCH = 64;

export interface ScanWriter {
  /** Records a scan with the others waiting (recordItemScans); settles after their statement. */
  record(ctx: ScanContext, item: ScannedItem): Promise<RecordedScan>;
  readonly stats: { batches: number; largest: number };
}

/**
 * The batched scan writer: concurrent scans share one statement and one commit, so that 32
 * phones scanning at once wait for one WAL flush, not for 32 in a row. A batch that fails is
 * written again one scan at a time, so that only a scan that cannot be written fails.
 */
export function scanWriter(db: Db, windowMs: number): ScanWriter {
  const gathered = gatherer<ScanRecord, RecordedScan>(
    { windowMs, maxBatch: SCAN_BATCH, maxInFlight: 2 },
    async (batch) => {
      let recorded: RecordedScan[];
      try {
        recorded = await recordItemScans(
          db,
          batch.map((w) => w.value),
        );
      } catch (error) {
        if (batch.length === 1) throw error;
        for (const w of batch)
          await recordItemScan(db, w.value.ctx, w.value.item).then(w.resolve, w.reject);
        return;
      }
      for (const [i, w] of batch.entries()) w.resolve(recorded[i]!);
    },
  );
  return {
    stats: gathered.stats,
    record: (ctx, item) => gathered.submit({ ctx, item }),
  };
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
