// Keeps the ledger's monthly partitions (migration 0016) made ahead of the events that need them.
import { sql } from "drizzle-orm";
import { oncePerPeriod } from "../db/periodic";
import { rowsOf } from "../db/rows";
import type { Db } from "../db/types";
import type { Clock } from "../lib/clock";

/**
 * Months made ahead of the current one. Events are written only by nodes (and Workers) that run
 * the upkeep at start and daily, so one month ahead leaves a month's margin for an upkeep that
 * keeps failing. More would cost: every month, empty or not, is planned by each query over all
 * months (a scan page's planning grew by a third with three empty months ahead; see
 * docs/performance.md, "The partitioned ledger").
 */
export const MONTHS_AHEAD = 1;
/** How often the ledger's upkeep runs, once across all nodes. */
export const UPKEEP_PERIOD_MS = 24 * 3_600_000;

/**
 * Makes this month's partitions of `events` and `event_subjects` and MONTHS_AHEAD more, where
 * missing, and with `from` every month back to its own (for a load of past events, such as the
 * demo's story); returns how many tables it made. Safe from several nodes at once. An event
 * whose record time has no month lands in the default partition and is found like any other.
 */
export async function ensureLedgerPartitions(db: Db, now: Date, from: Date = now): Promise<number> {
  const first = from < now ? from : now;
  const months = monthIndex(now) - monthIndex(first) + MONTHS_AHEAD + 1;
  const [row] = rowsOf<{ made: number | string }>(
    await db.execute(
      sql`select ledger_ensure_partitions(${first.toISOString()}::timestamptz, ${months}) as made`,
    ),
  );
  return Number(row?.made ?? 0);
}

/**
 * The ledger's daily upkeep, once per period however many nodes (or Worker crons) call it: the
 * months ahead, then fresh planner statistics for the two partitioned tables. Autovacuum
 * analyzes each month but never a partitioned table itself, so without this the plans of
 * queries over all months (the EPCIS query's "not declared erroneous" join, for one) rest on
 * whatever the last manual ANALYZE saw.
 */
export function ledgerUpkeep(db: Db, clock: Clock): Promise<boolean> {
  return oncePerPeriod(db, clock, "ledger-upkeep", UPKEEP_PERIOD_MS, async () => {
    await ensureLedgerPartitions(db, clock.now());
    await db.execute(sql`analyze events, event_subjects`);
  });
}

const monthIndex = (d: Date) => d.getUTCFullYear() * 12 + d.getUTCMonth();

export interface LedgerPartition {
  table: "events" | "event_subjects";
  name: string;
  /** The partition's bounds as PostgreSQL prints them, or DEFAULT. */
  bounds: string;
}

/** The partitions of the ledger's two tables, in order of name (months sort by name). */
export async function ledgerPartitions(db: Db): Promise<LedgerPartition[]> {
  return rowsOf<LedgerPartition>(
    await db.execute(sql`
      select p.relname as "table", c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bounds
      from pg_inherits i
      join pg_class c on c.oid = i.inhrelid
      join pg_class p on p.oid = i.inhparent
      where p.relname in ('events', 'event_subjects') and p.relnamespace = current_schema()::regnamespace
      order by p.relname, c.relname`),
  );
}
