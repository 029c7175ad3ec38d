// Named queries and their webhook subscriptions: at-least-once delivery in arrival order, signed, resumable.
import { and, asc, eq, gte, isNull, lte, or, sql } from "drizzle-orm";
import { rowsOf } from "../../db/rows";
import {
  type EpcisQuery,
  type EpcisSubscription,
  epcisQueries,
  epcisSubscriptions,
  events,
  logLeaves,
} from "../../db/schema";
import type { Database } from "../../db/types";
import { sequencePending } from "../../ledger/log";
import type { Clock } from "../../lib/clock";
import { type DestinationPolicy, resolvedDestinationProblem } from "../../lib/destinations";
import { AppError } from "../../lib/errors";
import type { Logger } from "../../lib/logger";
import { type EpcFormat, queryDocument } from "./format";
import { resolveMasterDataParams } from "./master-data-query";
import { paramsFromJson, parseQuery } from "./query";
import { nextRun, parseSchedule } from "./schedule";
import { validateQueryDefinition } from "./validate";
import { isWebsocketDest, socketTarget } from "./websocket";

/** Events per webhook call: the standard asks for "manageable batches" (no pagination on a POST). */
export const DELIVERY_BATCH = 500;
const MAX_BACKOFF_MS = 3_600_000;
const DELIVERY_TIMEOUT_MS = 10_000;

export interface DeliveryDeps {
  db: Database;
  /** On PostgreSQL a delivery holds its subscription's lock, for the other nodes' dispatchers. */
  dbKind?: "pglite" | "postgres";
  clock: Clock;
  logger: Logger;
  destinations: DestinationPolicy;
  fetch?: typeof fetch;
}

/** Checks a named query's definition: the standard's query schema, then the parameters this repository answers. */
export function checkQueryDefinition(query: Record<string, unknown>): void {
  const errors = validateQueryDefinition(query);
  if (errors.length > 0) {
    throw new AppError(
      "query_parameter",
      `the query is not valid: ${errors[0]!.path}: ${errors[0]!.message}`,
      {
        epcisException: "epcisException:QueryValidationException",
        errors,
      },
    );
  }
  parseQuery(paramsFromJson(query));
}

export async function createNamedQuery(
  db: Database,
  now: Date,
  input: { name: string; query: Record<string, unknown> },
  ownerOrgId: string,
): Promise<EpcisQuery> {
  checkQueryDefinition(input.query);
  const [row] = await db
    .insert(epcisQueries)
    .values({ name: input.name, query: input.query, ownerOrgId, createdAt: now })
    .onConflictDoNothing()
    .returning();
  if (!row) {
    throw new AppError("conflict", `a query named ${input.name} already exists`, {
      epcisException: "epcisException:ResourceAlreadyExistsException",
    });
  }
  return row;
}

export async function namedQuery(db: Database, name: string): Promise<EpcisQuery> {
  const [row] = await db.select().from(epcisQueries).where(eq(epcisQueries.name, name));
  if (!row) {
    throw new AppError("not_found", `no query is named ${name}`, {
      epcisException: "epcisException:NoSuchNameException",
    });
  }
  return row;
}

/** HMAC-SHA256 of the body under the subscriber's signatureToken, as `sha256=<hex>` (GS1-Signature). */
export async function signBody(token: string, body: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(token),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** POSTs one delivery to a webhook; the reason it failed, or null when it was acknowledged (2xx). */
async function postDelivery(
  deps: DeliveryDeps,
  subscription: EpcisSubscription,
  body: string,
): Promise<string | null> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "GS1-EPCIS-Version": "2.0.0",
  };
  if (subscription.signatureToken)
    headers["GS1-Signature"] = await signBody(subscription.signatureToken, body);
  // Checked at every delivery: the name may have been pointed elsewhere since it was accepted.
  const refused = await resolvedDestinationProblem(subscription.dest, deps.destinations);
  if (refused !== null) return refused;
  try {
    const response = await (deps.fetch ?? fetch)(subscription.dest, {
      method: "POST",
      headers,
      body,
      // A redirect could lead anywhere, the service's own network included.
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (response.ok) return null;
    return response.status >= 300 && response.status < 400
      ? `the subscriber answered ${response.status}; redirects are not followed`
      : `the subscriber answered ${response.status}`;
  } catch (error) {
    return `the subscriber could not be reached: ${(error as Error).message}`;
  }
}

// One delivery per subscription at a time within a process; the cursor update guards across processes.
const delivering = new Set<string>();

/**
 * Sends a subscription its events after its cursor, batch by batch, until none are left or the
 * subscriber fails to acknowledge (2xx). The cursor moves only on acknowledgement, so a batch
 * that was not acknowledged, or was interrupted by a restart, is sent again.
 */
export async function deliver(deps: DeliveryDeps, due: EpcisSubscription): Promise<number> {
  if (delivering.has(due.id)) return 0;
  delivering.add(due.id);
  try {
    if (deps.dbKind !== "postgres") return await deliverHeld(deps, due);
    // Across nodes: the subscription's lock, held while its batches go out, so that two nodes'
    // dispatchers never send the same batch at once. A node that finds it taken moves on.
    return await deps.db.transaction(async (tx) => {
      const [lock] = rowsOf<{ taken: boolean }>(
        await tx.execute(
          sql`select pg_try_advisory_xact_lock(${DELIVERY_LOCKS}, hashtext(${due.id})) as taken`,
        ),
      );
      return lock?.taken ? deliverHeld(deps, due) : 0;
    });
  } finally {
    delivering.delete(due.id);
  }
}

/** The namespace of subscription delivery locks (the capture jobs' is 7301). */
const DELIVERY_LOCKS = 7302;

async function deliverHeld(deps: DeliveryDeps, due: EpcisSubscription): Promise<number> {
  // Read afresh: another delivery may have moved the cursor since `due` was read.
  const [fresh] = await deps.db
    .select()
    .from(epcisSubscriptions)
    .where(eq(epcisSubscriptions.id, due.id));
  if (!fresh || (fresh.nextAttemptAt && fresh.nextAttemptAt > deps.clock.now())) return 0;
  if (isWebsocketDest(fresh.dest)) {
    const target = socketTarget(fresh.dest);
    // Another process holds the socket, and its own dispatcher delivers.
    if (target.kind === "elsewhere") return 0;
    if (target.kind === "gone") {
      // The socket closed without its subscription being removed (this process stopped short).
      await deps.db.delete(epcisSubscriptions).where(eq(epcisSubscriptions.id, fresh.id));
      return 0;
    }
  }
  let subscription = fresh;
  const query = await namedQuery(deps.db, subscription.queryName);
  const params = paramsFromJson(query.query);
  // Master data is read at each delivery: a location described since then counts.
  const parsed = parseQuery(params, await resolveMasterDataParams(deps.db, params));
  let cursor = subscription.cursor;
  let sent = 0;
  const schedule = subscription.schedule ? parseSchedule(subscription.schedule) : null;
  let acknowledged = false;
  for (let round = 0; round < 100; round++) {
    // In log order, from the cursor: an event's leaf comes after every leaf already visible,
    // however late its transaction committed, whereas its id may be below one sent before.
    const rows = await deps.db
      .select({
        id: events.id,
        document: events.document,
        context: events.context,
        position: logLeaves.leafIndex,
      })
      .from(logLeaves)
      .innerJoin(events, eq(events.id, logLeaves.eventId))
      .where(
        and(
          parsed.where,
          gte(logLeaves.leafIndex, cursor),
          gte(events.recordTime, subscription.initialRecordTime),
        ),
      )
      .orderBy(asc(logLeaves.leafIndex))
      .limit(DELIVERY_BATCH);
    // A scheduled run with nothing new reports an empty result only when asked to.
    const reportEmpty = round === 0 && schedule !== null && subscription.reportIfEmpty;
    if (rows.length === 0 && !reportEmpty) break;
    const body = JSON.stringify(
      queryDocument(rows, {
        format: subscription.epcFormat as EpcFormat,
        now: deps.clock.now(),
        queryName: subscription.queryName,
        subscriptionID: subscription.id,
      }),
    );
    const target = isWebsocketDest(subscription.dest) ? socketTarget(subscription.dest) : null;
    const failure = target
      ? target.kind === "live" && target.send(body)
        ? null
        : "the socket is closed"
      : await postDelivery(deps, subscription, body);
    const now = deps.clock.now();
    if (failure) {
      const failures = subscription.failures + 1;
      await deps.db
        .update(epcisSubscriptions)
        .set({
          failures,
          lastError: failure,
          nextAttemptAt: new Date(now.getTime() + Math.min(1000 * 2 ** failures, MAX_BACKOFF_MS)),
        })
        .where(eq(epcisSubscriptions.id, subscription.id));
      deps.logger.warn("epcis subscription delivery failed", {
        subscriptionId: subscription.id,
        failure,
      });
      return sent;
    }
    const last = rows.length > 0 ? rows.at(-1)!.position + 1 : cursor;
    await deps.db
      .update(epcisSubscriptions)
      .set({
        cursor: last,
        lastNotifiedAt: now,
        failures: 0,
        nextAttemptAt: schedule ? nextRun(schedule, now) : null,
        lastError: null,
      })
      .where(
        and(eq(epcisSubscriptions.id, subscription.id), eq(epcisSubscriptions.cursor, cursor)),
      );
    subscription = { ...subscription, cursor: last, failures: 0 };
    cursor = last;
    acknowledged = true;
    sent += rows.length;
    if (rows.length === 0) break;
  }
  if (schedule && !acknowledged) {
    // Nothing was due to be sent this run: wait for the next scheduled time.
    await deps.db
      .update(epcisSubscriptions)
      .set({ nextAttemptAt: nextRun(schedule, deps.clock.now()) })
      .where(
        and(eq(epcisSubscriptions.id, subscription.id), eq(epcisSubscriptions.cursor, cursor)),
      );
  }
  return sent;
}

/** Delivers every subscription that is due (never failed, or past its backoff). */
export async function deliverDue(deps: DeliveryDeps): Promise<number> {
  const due = await deps.db
    .select()
    .from(epcisSubscriptions)
    .where(
      or(
        isNull(epcisSubscriptions.nextAttemptAt),
        lte(epcisSubscriptions.nextAttemptAt, deps.clock.now()),
      ),
    );
  // Deliveries follow the log: what has committed is given its leaves first.
  if (due.length > 0) await sequencePending(deps.db);
  let sent = 0;
  for (const subscription of due) {
    try {
      sent += await deliver(deps, subscription);
    } catch (error) {
      deps.logger.warn("epcis subscription delivery error", {
        subscriptionId: subscription.id,
        error: String(error),
      });
    }
  }
  return sent;
}

const dispatchers = new WeakMap<Database, ReturnType<typeof setInterval>>();

/**
 * Delivers due subscriptions every `intervalMs` in this process (retries and events recorded by
 * the lifecycle API). Started on first use of the EPCIS interface; stops itself when the database
 * goes away, and starts again on the next use.
 */
export function ensureDispatcher(deps: DeliveryDeps, intervalMs = 5_000): void {
  if (dispatchers.has(deps.db)) return;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    deliverDue(deps)
      .catch((error) => {
        deps.logger.warn("epcis dispatcher stopped", { error: String(error) });
        clearInterval(timer);
        dispatchers.delete(deps.db);
      })
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  (timer as { unref?: () => void }).unref?.();
  dispatchers.set(deps.db, timer);
}

/** Starts delivering now, in the background (after a capture). */
export function kickDeliveries(deps: DeliveryDeps): Promise<void> {
  return deliverDue(deps).then(
    () => undefined,
    (error) => deps.logger.warn("epcis deliveries failed", { error: String(error) }),
  );
}

export function subscriptionView(s: EpcisSubscription) {
  return {
    subscriptionID: s.id,
    queryName: s.queryName,
    dest: s.dest,
    stream: s.schedule === null,
    ...(s.schedule ? { schedule: s.schedule } : {}),
    reportIfEmpty: s.reportIfEmpty,
    createdAt: s.createdAt.toISOString(),
    initialRecordTime: s.initialRecordTime.toISOString(),
    // Moves only when the subscriber acknowledged a delivery.
    minRecordTime: (s.lastNotifiedAt ?? s.initialRecordTime).toISOString(),
    ...(s.lastNotifiedAt ? { lastNotifiedAt: s.lastNotifiedAt.toISOString() } : {}),
    ...(s.schedule && s.nextAttemptAt ? { nextRunAt: s.nextAttemptAt.toISOString() } : {}),
    epcFormat: s.epcFormat,
    failures: s.failures,
  };
}
