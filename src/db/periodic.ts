// A periodic job that runs once per period however many nodes run its timer.
import { sql } from "drizzle-orm";
import type { Clock } from "../lib/clock";
import { rowsOf } from "./rows";
import type { Db } from "./types";

/**
 * Runs `work` unless the job `name` was started less than about `periodMs` ago, by this node or
 * another. The claim is one statement: of two nodes claiming at once, the second waits for the
 * first's row and then finds the period taken. Timers drift, so a claim a tenth of a period
 * early still counts. A job that fails has used its period; the next one tries again.
 */
export async function oncePerPeriod(
  db: Db,
  clock: Clock,
  name: string,
  periodMs: number,
  work: () => Promise<unknown>,
): Promise<boolean> {
  const now = clock.now();
  const due = new Date(now.getTime() - periodMs * 0.9);
  const claimed = rowsOf<{ name: string }>(
    await db.execute(sql`
      insert into periodic_runs (name, last_started_at) values (${name}, ${now.toISOString()})
      on conflict (name) do update set last_started_at = excluded.last_started_at
        where periodic_runs.last_started_at <= ${due.toISOString()}
      returning name`),
  );
  if (claimed.length === 0) return false;
  await work();
  return true;
}
