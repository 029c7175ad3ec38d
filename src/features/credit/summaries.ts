// The credit grades pages show: stored in credit_summaries, marked stale by triggers on the evidence, refreshed off the request path.
import { eq, inArray, sql } from "drizzle-orm";
import {
  type CreditSummaryRow,
  type Org,
  orgs,
  creditSummaries as summaries,
} from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger";
import type { Grade } from "./formula";
import { computeCredit } from "./formula";
import { gatherEvidence } from "./service";

const HOUR = 3_600_000;
/** Every summary is recomputed at least this often: evidence loses weight with age even when nothing new arrives. */
const MAX_AGE_MS = 24 * HOUR;
/** Organisations recomputed per pass of the refresher; the next pass takes the rest. */
const REFRESH_BATCH = 100;

export interface CreditSummaryView {
  score: number | null;
  grade: Grade | null;
  computedAt: string | null;
}

/** What a page shows before an organisation's first summary has been computed. */
export const NOT_YET_RATED: CreditSummaryView = { score: null, grade: null, computedAt: null };

/**
 * Databases whose pages read stored summaries (CREDIT_REFRESH_SECONDS > 0). The others compute a
 * summary on every read, which is what tests and a small embedded install want: no lag at all.
 */
const stored = new WeakSet<object>();

export function keepCreditSummaries(db: Db, on: boolean): void {
  if (on) stored.add(db);
  else stored.delete(db);
}

const viewOf = (row: Pick<CreditSummaryRow, "score" | "grade" | "computedAt">) =>
  row.computedAt === null
    ? NOT_YET_RATED
    : {
        score: row.score,
        grade: row.grade as Grade | null,
        computedAt: row.computedAt.toISOString(),
      };

export async function computeSummary(db: Db, clock: Clock, org: Org): Promise<CreditSummaryView> {
  const evidence = await gatherEvidence(db, clock, org);
  const { score, grade } = computeCredit(evidence);
  return { score, grade, computedAt: evidence.now.toISOString() };
}

/**
 * The summary a page shows for an organisation whose stored row the page's own query already read
 * (the scan lookup does): no further query in stored mode.
 */
export function shownCredit(
  db: Db,
  clock: Clock,
  org: Org,
  row: CreditSummaryRow | null,
): Promise<CreditSummaryView> {
  if (!stored.has(db)) return computeSummary(db, clock, org);
  return Promise.resolve(row ? viewOf(row) : NOT_YET_RATED);
}

/** The summaries pages show for several organisations: one query in stored mode. */
export async function creditSummaries(
  db: Db,
  clock: Clock,
  list: Org[],
): Promise<Map<string, CreditSummaryView>> {
  if (!stored.has(db)) {
    return new Map(
      await Promise.all(list.map(async (o) => [o.id, await computeSummary(db, clock, o)] as const)),
    );
  }
  const ids = [...new Set(list.map((o) => o.id))];
  const rows =
    ids.length === 0 ? [] : await db.select().from(summaries).where(inArray(summaries.orgId, ids));
  const byId = new Map(rows.map((r) => [r.orgId, viewOf(r)]));
  return new Map(ids.map((id) => [id, byId.get(id) ?? NOT_YET_RATED]));
}

/** What a profile or a scan page shows: score, grade and when it was computed. */
export async function creditSummary(db: Db, clock: Clock, org: Org): Promise<CreditSummaryView> {
  return (await creditSummaries(db, clock, [org])).get(org.id) ?? NOT_YET_RATED;
}

/**
 * Computes and stores the summaries of these organisations. Each keeps the `dirtySeq` it had
 * before its computation (see storeSummary).
 */
export async function refreshCredit(db: Db, clock: Clock, orgIds: string[]): Promise<void> {
  if (orgIds.length === 0) return;
  const found = await db
    .select({ org: orgs, seen: summaries.dirtySeq })
    .from(orgs)
    .leftJoin(summaries, eq(summaries.orgId, orgs.id))
    .where(inArray(orgs.id, orgIds));
  for (const { org, seen } of found) {
    await storeSummary(db, org.id, await computeSummary(db, clock, org), seen ?? 0);
  }
}

/**
 * Stores a computed summary as clean up to `seen`, the `dirtySeq` read before computing it:
 * evidence that arrived meanwhile has raised `dirtySeq` past it, so the row stays stale and the
 * next pass computes it again.
 */
export async function storeSummary(
  db: Db,
  orgId: string,
  summary: CreditSummaryView,
  seen: number,
): Promise<void> {
  const values = {
    score: summary.score,
    grade: summary.grade,
    computedAt: summary.computedAt === null ? null : new Date(summary.computedAt),
  };
  await db
    .insert(summaries)
    .values({ orgId, ...values, dirtySeq: seen, cleanSeq: seen })
    .onConflictDoUpdate({
      target: summaries.orgId,
      set: { ...values, cleanSeq: sql`greatest(${summaries.cleanSeq}, excluded.clean_seq)` },
    });
}

/**
 * After a decision that is evidence (a complaint decided, a list entry), once it has committed:
 * the next page shows it. A failure here does not undo the decision, so it is logged, not thrown;
 * the trigger has marked the summary stale and the refresher's next pass recomputes it.
 */
export async function creditChanged(
  deps: { db: Db; clock: Clock; logger: Logger },
  orgIds: string[],
): Promise<void> {
  if (!stored.has(deps.db)) return;
  await refreshCredit(deps.db, deps.clock, orgIds).catch((error) =>
    deps.logger.warn("credit refresh after a decision failed", { orgIds, error: String(error) }),
  );
}

/**
 * One pass of the refresher: the summaries whose evidence changed, that were never computed, that
 * are older than a day, or whose list entries were published or expired since they were computed.
 * Returns how many it recomputed; a full batch means more may be waiting.
 */
export async function refreshStaleCredit(
  db: Db,
  clock: Clock,
  limit = REFRESH_BATCH,
): Promise<number> {
  const now = clock.now();
  const today = now.toISOString().slice(0, 10);
  const dayAgo = new Date(now.getTime() - MAX_AGE_MS).toISOString();
  const stale = await db
    .select({ orgId: summaries.orgId })
    .from(summaries)
    .where(
      sql`${summaries.dirtySeq} > ${summaries.cleanSeq}
        or ${summaries.computedAt} is null
        or ${summaries.computedAt} < ${dayAgo}::timestamptz
        or exists (select 1 from list_entries e where e.org_id = ${summaries.orgId}
          and (e.listed_on between (${summaries.computedAt} at time zone 'UTC')::date + 1 and ${today}::date
            or e.max_publish_until between (${summaries.computedAt} at time zone 'UTC')::date + 1 and ${today}::date))`,
    )
    .orderBy(sql`${summaries.computedAt} nulls first`)
    .limit(limit);
  await refreshCredit(
    db,
    clock,
    stale.map((s) => s.orgId),
  );
  return stale.length;
}

/**
 * The refresher on a timer every `seconds`, with a first pass at once; returns what stops it.
 * Nothing runs when `seconds` is 0 (summaries are not kept then).
 */
export function startCreditRefresher(
  db: Db,
  clock: Clock,
  seconds: number,
  onError: (error: unknown) => void,
): () => void {
  if (seconds <= 0) return () => {};
  const refresh = creditRefresher(db, clock);
  const pass = () => void refresh().catch(onError);
  const timer = setInterval(pass, seconds * 1000);
  pass();
  return () => clearInterval(timer);
}

/** Refresh passes until nothing is stale; a timer calls this, and one call never overlaps another. */
export function creditRefresher(db: Db, clock: Clock): () => Promise<number> {
  let running: Promise<number> | null = null;
  return () => {
    running ??= (async () => {
      let total = 0;
      try {
        for (;;) {
          const n = await refreshStaleCredit(db, clock);
          total += n;
          if (n < REFRESH_BATCH) return total;
        }
      } finally {
        running = null;
      }
    })();
    return running;
  };
}
