// Sends the read-only public traffic (scans, traces, histories, EPCIS queries) to a streaming replica, with the client's own writes and a dead replica in mind.
import { sql } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { rowsOf } from "../db/rows";
import type { Database } from "../db/types";
import type { AppEnv } from "./context";

/** A write answers with the primary's WAL position; a read that sends it back sees that write. */
export const CONSISTENCY_HEADER = "X-Consistency-Token";
/** Which database answered a read: `replica` may lag the primary by the replication delay. */
export const READ_FROM_HEADER = "X-Read-From";

/** Seconds a replica that failed is left alone before reads try it again. */
const DOWN_MS = 5_000;

const READ_PATHS =
  /^\/(01\/|v1\/trace\/|v1\/history\/|epcis\/(events|eventTypes|epcs|bizSteps|dispositions|bizLocations|readPoints)\b|epcis\/queries\/[^/]+\/events\b)/;

/** Whether a request's reads may go to the replica: a GET or HEAD of the public read paths. */
export const readsFromReplica = (method: string, path: string) =>
  (method === "GET" || method === "HEAD") && READ_PATHS.test(path);

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  // admin_shutdown, crash_shutdown, cannot_connect_now: the server is stopping or starting.
  "57P01",
  "57P02",
  "57P03",
]);

/** Whether an error (or one it wraps: Drizzle wraps the driver's) says the database is unreachable. */
export function isConnectionFailure(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = String((e as { code?: unknown }).code ?? "");
    if (CONNECTION_CODES.has(code) || code.startsWith("08")) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

const LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i;

export interface ReplicaRouting {
  db: Database;
  /** Until when (epoch ms) the replica is taken to be down. */
  downUntil: number;
}

export function replicaRouting(db: Database): ReplicaRouting {
  return { db, downUntil: 0 };
}

/**
 * The middleware: on the read paths, swaps the request's `db` for the replica's (writes the
 * request makes, a scan's record, go to `writeDb`); falls back to the primary when the replica is
 * down, when it has not yet replayed the client's consistency token, or when it fails mid-request
 * (the request is answered again from the primary: a read is safe to repeat). Every successful
 * write answers with a consistency token.
 */
export function replicaReads(
  routing: ReplicaRouting,
  replay: (request: Request) => Promise<Response>,
): MiddlewareHandler<AppEnv> {
  const onPrimary = new WeakSet<Request>();
  return async (c, next) => {
    const deps = c.var.deps;
    const now = () => deps.clock.now().getTime();
    if (!readsFromReplica(c.req.method, c.req.path)) {
      await next();
      const write = c.req.method !== "GET" && c.req.method !== "HEAD";
      if (write && c.res.status < 400) {
        const [row] = rowsOf<{ lsn: string }>(
          await deps.db.execute(sql`select pg_current_wal_lsn()::text as lsn`),
        );
        if (row) c.res.headers.set(CONSISTENCY_HEADER, row.lsn);
      }
      return;
    }
    const token = c.req.header(CONSISTENCY_HEADER);
    let useReplica = !onPrimary.has(c.req.raw) && routing.downUntil <= now();
    if (useReplica && token !== undefined) {
      useReplica = LSN.test(token) && (await replayed(routing, token, now));
    }
    if (!useReplica) {
      await next();
      c.res.headers.set(READ_FROM_HEADER, "primary");
      return;
    }
    c.set("deps", { ...deps, db: routing.db, writeDb: deps.db });
    await next();
    if (c.error && isConnectionFailure(c.error)) {
      routing.downUntil = now() + DOWN_MS;
      deps.logger.warn("the read replica failed; reads go to the primary for a while", {
        error: String(c.error),
      });
      const again = new Request(c.req.raw);
      onPrimary.add(again);
      // Cleared first: Hono would otherwise carry the failed answer's headers over.
      c.res = undefined;
      c.res = await replay(again);
      return;
    }
    c.res.headers.set(READ_FROM_HEADER, "replica");
  };
}

/** Whether the replica has replayed the primary's WAL up to `token`; an unreachable one has not. */
async function replayed(routing: ReplicaRouting, token: string, now: () => number) {
  try {
    const [row] = rowsOf<{ ok: boolean | null }>(
      await routing.db.execute(sql`select pg_last_wal_replay_lsn() >= ${token}::pg_lsn as ok`),
    );
    return row?.ok === true;
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    routing.downUntil = now() + DOWN_MS;
    return false;
  }
}
