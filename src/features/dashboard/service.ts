// The regulator's dashboard: scans per day and per region, alerts by rule per week, cloned-code hot
// spots, the credit grades of sellers and the recalls under way, all inside one jurisdiction.
import type { z } from "@hono/zod-openapi";
import { and, desc, eq, sql } from "drizzle-orm";
import { childRegions, lookupRegion } from "../../codes/region";
import { rowsOf } from "../../db/rows";
import { type Org, orgs, products, recalls } from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { creditSummaries, NOT_YET_RATED } from "../credit/summaries";
import { jurisdictionNames, jurisdictionOf, WHOLE_COUNTRY, withinSql } from "../orgs/jurisdiction";
import { effectiveness } from "../recalls/views";
import type { Dashboard } from "./schemas";

const DAY_MS = 86_400_000;
export const SCAN_DAYS = 30;
export const ALERT_WEEKS = 8;
/** Sellers whose grades are counted: beyond this the distribution is of the first ones, said so. */
export const SELLERS_MAX = 2_000;
const RECALLS_MAX = 20;

/**
 * Where a scan counts: the region of the seller of the unit scanned, or of its brand owner while
 * it is unsold. The service keeps no scanner location (only an approximate one a user shares),
 * so this is where the unit entered the market, which is what a market regulator answers for.
 */
const SCAN_REGION = sql.raw("coalesce(so.region_code, po.region_code)");
/** The scans with what SCAN_REGION reads: the unit, its product's brand owner and its seller. */
const SCANNED = sql.raw(`scans s join items i on i.id = s.item_id
  join products p on p.gtin = i.gtin join orgs po on po.id = p.owner_org_id
  left join orgs so on so.id = i.seller_org_id`);

/**
 * The level below a jurisdiction, as a code prefix length: country → province → prefecture →
 * county (a municipality's districts come straight after it).
 */
export function childLength(jurisdiction: string): 2 | 4 | 6 {
  if (jurisdiction === WHOLE_COUNTRY) return 2;
  if (jurisdiction.endsWith("0000")) return childRegions(jurisdiction)[0]?.endsWith("00") ? 4 : 6;
  return 6;
}

const childCode = (prefix: string) => prefix.padEnd(6, "0");

/** China time: the day a scan belongs to, as people there count days. */
const chinaDay = (column: string) =>
  sql.raw(`to_char(${column} at time zone 'Asia/Shanghai', 'YYYY-MM-DD')`);

export async function dashboardData(
  db: Db,
  clock: Clock,
  regulator: Org,
): Promise<z.infer<typeof Dashboard>> {
  const jurisdiction = jurisdictionOf(regulator) ?? WHOLE_COUNTRY;
  const now = clock.now();
  const since = new Date(now.getTime() - SCAN_DAYS * DAY_MS);
  const alertsSince = new Date(now.getTime() - ALERT_WEEKS * 7 * DAY_MS);
  const child = childLength(jurisdiction);
  const inside = withinSql(SCAN_REGION, jurisdiction);
  const concernedInside =
    jurisdiction === WHOLE_COUNTRY ? sql`true` : withinSql(sql.raw("o.region_code"), jurisdiction);

  const [scanDays, scanRegions, alertWeeks, cloned, sellers, openRecalls] = await Promise.all([
    db.execute(sql`
      select ${chinaDay("s.at")} as day, count(*)::int as n
      from ${SCANNED}
      where s.at >= ${since.toISOString()} and ${inside}
      group by 1 order by 1`),
    db.execute(sql`
      select left(${SCAN_REGION}, ${child}) as prefix, count(*)::int as n
      from ${SCANNED}
      where s.at >= ${since.toISOString()} and ${inside}
      group by 1 order by 2 desc`),
    db.execute(sql`
      select to_char(date_trunc('week', a.created_at at time zone 'Asia/Shanghai'), 'YYYY-MM-DD') as week,
             a.kind, count(*)::int as n
      from alerts a left join orgs o on o.id = a.org_id
      where a.created_at >= ${alertsSince.toISOString()} and ${concernedInside}
      group by 1, 2 order by 1, 2`),
    db.execute(sql`
      select left(o.region_code, ${child}) as prefix, count(*)::int as n,
             count(distinct a.subject_key)::int as codes
      from alerts a join orgs o on o.id = a.org_id
      where a.kind = 'cloned_code' and a.status in ('open', 'confirmed') and ${concernedInside}
      group by 1 order by 2 desc limit 10`),
    db
      .select()
      .from(orgs)
      .where(
        and(
          sql`'seller' = any(${orgs.roles})`,
          eq(orgs.status, "verified"),
          jurisdiction === WHOLE_COUNTRY ? undefined : withinSql(orgs.regionCode, jurisdiction),
        ),
      )
      .orderBy(orgs.id)
      .limit(SELLERS_MAX + 1),
    db
      .select({ recall: recalls, nameZh: products.nameZh, owner: orgs })
      .from(recalls)
      .innerJoin(products, eq(products.gtin, recalls.gtin))
      .innerJoin(orgs, eq(orgs.id, products.ownerOrgId))
      .where(
        and(
          eq(recalls.status, "open"),
          jurisdiction === WHOLE_COUNTRY ? undefined : withinSql(orgs.regionCode, jurisdiction),
        ),
      )
      .orderBy(desc(recalls.createdAt))
      .limit(RECALLS_MAX),
  ]);

  const days = new Map(
    rowsOf<{ day: string; n: number }>(scanDays).map((r) => [r.day, Number(r.n)]),
  );
  const scansPerDay = Array.from({ length: SCAN_DAYS }, (_, i) => {
    const day = new Date(now.getTime() + 8 * 3_600_000 - (SCAN_DAYS - 1 - i) * DAY_MS)
      .toISOString()
      .slice(0, 10);
    return { day, scans: days.get(day) ?? 0 };
  });
  const regionView = (prefix: string, n: number) => {
    const code = childCode(prefix);
    return { region: code, names: lookupRegion(code)?.names ?? [code], scans: n };
  };
  const shown = sellers.slice(0, SELLERS_MAX);
  const credit = await creditSummaries(db, clock, shown);
  const grades = shown.map((s) => ({ org: s, credit: credit.get(s.id) ?? NOT_YET_RATED }));
  const byGrade: Record<string, number> = { A: 0, B: 0, C: 0, D: 0, M: 0 };
  for (const g of grades)
    byGrade[g.credit.grade ?? "M"] = (byGrade[g.credit.grade ?? "M"] ?? 0) + 1;

  return {
    jurisdiction: { code: jurisdiction, names: jurisdictionNames(jurisdiction) },
    generatedAt: now.toISOString(),
    scans: {
      days: SCAN_DAYS,
      total: scansPerDay.reduce((n, d) => n + d.scans, 0),
      perDay: scansPerDay,
      perRegion: rowsOf<{ prefix: string | null; n: number }>(scanRegions)
        .filter((r) => r.prefix !== null)
        .map((r) => regionView(r.prefix!, Number(r.n))),
    },
    alerts: {
      weeks: ALERT_WEEKS,
      perWeek: rowsOf<{ week: string; kind: string; n: number }>(alertWeeks).map((r) => ({
        week: r.week,
        kind: r.kind,
        alerts: Number(r.n),
      })),
    },
    clonedCodes: rowsOf<{ prefix: string | null; n: number; codes: number }>(cloned)
      .filter((r) => r.prefix !== null)
      .map((r) => ({
        ...regionView(r.prefix!, 0),
        alerts: Number(r.n),
        codes: Number(r.codes),
      }))
      .map(({ scans: _scans, ...rest }) => rest),
    credit: {
      sellers: grades.length,
      truncated: sellers.length > SELLERS_MAX,
      byGrade,
      list: grades.map((g) => ({
        id: g.org.id,
        nameZh: g.org.nameZh,
        region: g.org.regionCode,
        grade: g.credit.grade ?? "M",
        score: g.credit.score,
      })),
    },
    recalls: await Promise.all(
      openRecalls.map(async (r) => {
        const e = await effectiveness(db, r.recall, false);
        return {
          id: r.recall.id,
          product: r.nameZh,
          level: r.recall.level,
          createdAt: r.recall.createdAt.toISOString(),
          units: e.total,
          removed: e.removedFromMarket,
          stillOnMarket: e.stillWithConsumersOrInMarket,
          scannedSince: e.scannedSinceRecall.scans,
        };
      }),
    ),
  };
}

/** The scans behind a figure (a day, a region), newest first, for the CSV a figure links to. */
export async function scansBehind(
  db: Db,
  regulator: Org,
  filter: { day?: string; region?: string; limit: number },
) {
  const jurisdiction = jurisdictionOf(regulator) ?? WHOLE_COUNTRY;
  const conditions = [
    withinSql(SCAN_REGION, jurisdiction),
    filter.region ? withinSql(SCAN_REGION, filter.region) : sql`true`,
    filter.day ? sql`${chinaDay("s.at")} = ${filter.day}` : sql`true`,
  ];
  return rowsOf<{
    at: string;
    gtin: string;
    serial: string;
    item_state: string | null;
    region: string;
    seller: string | null;
  }>(
    await db.execute(sql`
      select s.at, s.gtin, s.serial, s.item_state, ${SCAN_REGION} as region, so.name_zh as seller
      from ${SCANNED}
      where ${sql.join(conditions, sql` and `)}
      order by s.at desc limit ${filter.limit}`),
  );
}
