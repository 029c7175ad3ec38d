// A regulator's jurisdiction: a GB/T 2260 region (a county, a prefecture such as 台州, a province)
// or the whole country. Its queues, dashboard and actions cover what lies inside it and nothing else.
import type { AnyColumn, SQL } from "drizzle-orm";
import { sql } from "drizzle-orm";
import { isCurrentRegionCode, lookupRegion } from "../../codes/region";
import type { Org } from "../../db/schema";
import { AppError } from "../../lib/errors";

/** Not a GB/T 2260 row: the jurisdiction of a national authority (国家市场监督管理总局). */
export const WHOLE_COUNTRY = "000000";

/**
 * The code prefix of everything inside a region: a province XX0000 holds XX…, a prefecture
 * XXXX00 holds XXXX…, a county only itself. (Trailing zeros are not a prefix: 330110 is a
 * county, 余杭区, not the prefecture 3301 with a zero.)
 */
export function regionPrefix(code: string): string {
  if (code === WHOLE_COUNTRY) return "";
  if (code.endsWith("0000")) return code.slice(0, 2);
  if (code.endsWith("00")) return code.slice(0, 4);
  return code;
}

export const isValidJurisdiction = (code: string): boolean =>
  code === WHOLE_COUNTRY || isCurrentRegionCode(code);

export const regionWithin = (region: string | null | undefined, jurisdiction: string): boolean =>
  jurisdiction === WHOLE_COUNTRY ||
  (typeof region === "string" && region.startsWith(regionPrefix(jurisdiction)));

/** SQL: the region in `column` lies inside the jurisdiction. */
export function withinSql(column: AnyColumn | SQL, jurisdiction: string): SQL {
  if (jurisdiction === WHOLE_COUNTRY) return sql`true`;
  return sql`left(${column}, ${regionPrefix(jurisdiction).length}) = ${regionPrefix(jurisdiction)}`;
}

/** One jurisdiction inside another (a national regulator registers a provincial one, and so on). */
export const jurisdictionWithin = (inner: string, outer: string): boolean =>
  outer === WHOLE_COUNTRY || (inner !== WHOLE_COUNTRY && regionWithin(inner, outer));

export const isRegulatorOrg = (org: Org | null | undefined): org is Org =>
  org?.roles.includes("regulator") ?? false;

/** The jurisdiction a regulator acts in; null for an organisation that is no regulator. */
export function jurisdictionOf(org: Org): string | null {
  if (!isRegulatorOrg(org)) return null;
  return org.jurisdiction ?? org.regionCode;
}

/** The names of a jurisdiction, province first; 全国 for the whole country. */
export function jurisdictionNames(code: string): string[] {
  if (code === WHOLE_COUNTRY) return ["全国"];
  return lookupRegion(code)?.names ?? [code];
}

/**
 * Refuses a regulator's action on something outside its jurisdiction. `region` is where the
 * thing lies (an organisation's registered region); null means nowhere in particular, which
 * only a national authority covers.
 */
export function assertWithin(regulator: Org, region: string | null, what: string): void {
  const jurisdiction = jurisdictionOf(regulator);
  if (jurisdiction === null || regionWithin(region, jurisdiction)) return;
  throw new AppError(
    "forbidden",
    `${what} lies in region ${region ?? "unknown"}, outside the jurisdiction of ${regulator.id} (${jurisdiction} ${jurisdictionNames(jurisdiction).join(" ")})`,
    { jurisdiction, region },
  );
}

/** Actions on the whole service (the alert rules' thresholds) belong to a national authority. */
export function assertNational(regulator: Org, what: string): void {
  const jurisdiction = jurisdictionOf(regulator);
  if (jurisdiction === WHOLE_COUNTRY) return;
  throw new AppError(
    "forbidden",
    `${what} applies to the whole country; ${regulator.id} regulates ${jurisdiction ?? "nothing"} only`,
    { jurisdiction },
  );
}

/**
 * SQL: the organisation in `orgIdColumn` is registered inside the regulator's jurisdiction;
 * undefined (no condition) for a national regulator. A null organisation lies nowhere, so only
 * a national regulator's queue holds what concerns no organisation.
 */
export function orgInJurisdiction(orgIdColumn: AnyColumn | SQL, regulator: Org): SQL | undefined {
  const jurisdiction = jurisdictionOf(regulator);
  if (jurisdiction === null || jurisdiction === WHOLE_COUNTRY) return undefined;
  return sql`exists (select 1 from orgs as inside where inside.id = ${orgIdColumn} and ${withinSql(sql`inside.region_code`, jurisdiction)})`;
}
