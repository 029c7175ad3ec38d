// EPCIS capture: validate a whole document first, then append its events through the ledger's one append path.
import { inArray } from "drizzle-orm";
import { type CaptureErrorBehaviour, type CaptureProblem, events, type Org } from "../../db/schema";
import type { Db } from "../../db/types";
import { type Appended, appendEvents, type EventDraft, eventByHashId } from "../../ledger/append";
import { eventHashId, eventsOfDocument } from "../../ledger/event-hash";
import type { Clock } from "../../lib/clock";
import { AppError, type FieldError } from "../../lib/errors";
import type { Logger } from "../../lib/logger";
import { assertWithin, isRegulatorOrg } from "../orgs/jurisdiction";
import { getOrg } from "../orgs/service";
import { eventSubjects } from "./subjects";
import {
  checkEvent,
  isObject,
  type JsonObject,
  validateDocument,
  validateSingleEvent,
} from "./validate";

/** Most events one capture call may carry (advertised as GS1-EPCIS-Capture-Limit). */
export const CAPTURE_LIMIT = 10_000;
/** Events per transaction in `proceed` mode, and per append call; a failed chunk is retried event by event. */
const CHUNK = 500;
/** Errors kept on a job: the first ones say what is wrong; the count says how much. */
export const MAX_JOB_ERRORS = 1_000;

export const EPCIS_EXCEPTION = {
  validation: "epcisException:ValidationException",
  captureLimit: "epcisException:CaptureLimitExceededException",
  exists: "epcisException:ResourceAlreadyExistsException",
  implementation: "epcisException:ImplementationException",
  security: "epcisException:SecurityException",
} as const;

export interface CaptureDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** postgres.js pipelines concurrent statements on one transaction; PGlite runs them one by one. */
  concurrentAppends: boolean;
}

/** What a capture needs of the app's dependencies (a request's, or a node's sweep's). */
export function captureDepsOf(deps: {
  db: Db;
  dbKind: "pglite" | "postgres";
  clock: Clock;
  logger: Logger;
}): CaptureDeps {
  const { db, clock, logger, dbKind } = deps;
  return { db, clock, logger, concurrentAppends: dbKind === "postgres" };
}

/** A document's events, each with the problems that keep it out of the ledger (none for a good one). */
export interface PreparedDocument {
  context: unknown[];
  events: JsonObject[];
  problems: Map<number, FieldError[]>;
}

export const asContextList = (context: unknown): unknown[] =>
  Array.isArray(context) ? context : context === undefined || context === null ? [] : [context];

function invalid(detail: string, errors: FieldError[]): AppError {
  return new AppError("epcis_validation", detail, {
    epcisException: EPCIS_EXCEPTION.validation,
    errors: errors.slice(0, MAX_JOB_ERRORS),
  });
}

/**
 * Checks a capture document whole, before anything is written: its shape, its size in events,
 * every event against the EPCIS JSON Schema and the CBV. Document-level problems throw.
 */
export function prepareDocument(doc: unknown): PreparedDocument {
  if (!isObject(doc) || (doc.type !== "EPCISDocument" && doc.type !== "EPCISQueryDocument")) {
    throw invalid("the body must be an EPCISDocument or an EPCISQueryDocument (JSON-LD)", [
      { path: "type", message: "must be EPCISDocument or EPCISQueryDocument", code: "schema" },
    ]);
  }
  const { context, events: list } = eventsOfDocument(doc);
  if (list.length > CAPTURE_LIMIT) {
    throw new AppError(
      "capture_limit_exceeded",
      `the document holds ${list.length} events; one capture takes at most ${CAPTURE_LIMIT} (GS1-EPCIS-Capture-Limit): split it`,
      {
        epcisException: EPCIS_EXCEPTION.captureLimit,
        limit: CAPTURE_LIMIT,
        eventCount: list.length,
      },
      { "GS1-EPCIS-Capture-Limit": String(CAPTURE_LIMIT) },
    );
  }
  const validation = validateDocument(doc);
  if (validation.document.length > 0) {
    const first = validation.document[0]!;
    throw invalid(
      `the document is not valid EPCIS 2.0: ${first.path}: ${first.message}`,
      validation.document,
    );
  }
  const listPath =
    doc.type === "EPCISDocument"
      ? "epcisBody.eventList"
      : "epcisBody.queryResults.resultsBody.eventList";
  const problems = new Map<number, FieldError[]>(validation.events);
  list.forEach((event, i) => {
    if (problems.has(i) || !isObject(event)) return;
    const errors = checkEvent(event, context, `${listPath}.${i}`);
    if (errors.length > 0) problems.set(i, errors);
  });
  return { context: asContextList(context), events: list as JsonObject[], problems };
}

/** The problems of a prepared document as one 400 (rollback mode: the document is refused whole). */
export function rejectDocument(prepared: PreparedDocument): AppError {
  const errors = [...prepared.problems.entries()].sort(([a], [b]) => a - b).flatMap(([, e]) => e);
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return invalid(
    `the document was refused whole, nothing was stored: ${first.path}: ${first.message}${more}`,
    errors,
  );
}

function problemOf(
  index: number,
  event: JsonObject,
  detail: string,
  errors?: FieldError[],
): CaptureProblem {
  const problem: CaptureProblem = {
    type: EPCIS_EXCEPTION.validation,
    title: "Event not captured",
    status: 400,
    detail,
    eventIndex: index,
  };
  if (typeof event.eventID === "string") problem.eventID = event.eventID;
  if (errors?.length) problem.errors = errors.map(({ path, message }) => ({ path, message }));
  return problem;
}

interface Hashed {
  index: number;
  event: JsonObject;
  hashId: string;
}

/**
 * Events whose client eventID is already taken by a different event (another Event Hash ID),
 * in the ledger or earlier in the same document: the ledger keeps eventIDs unique.
 */
async function eventIdConflicts(db: Db, hashed: Hashed[]): Promise<Map<number, string>> {
  const conflicts = new Map<number, string>();
  const claimed = new Map<string, string>();
  const ids = [
    ...new Set(
      hashed.map((h) => h.event.eventID).filter((id): id is string => typeof id === "string"),
    ),
  ];
  for (let i = 0; i < ids.length; i += 5_000) {
    const rows = await db
      .select({ eventId: events.eventId, hashId: events.hashId })
      .from(events)
      .where(inArray(events.eventId, ids.slice(i, i + 5_000)));
    for (const row of rows) claimed.set(row.eventId, row.hashId);
  }
  for (const h of hashed) {
    const id = h.event.eventID;
    if (typeof id !== "string") continue;
    const owner = claimed.get(id);
    if (owner === undefined) claimed.set(id, h.hashId);
    else if (owner !== h.hashId) {
      conflicts.set(
        h.index,
        `eventID ${id} already names a different event (Event Hash ID ${owner})`,
      );
    }
  }
  return conflicts;
}

/**
 * An error declaration answered with the undeclared original. The ledger stores declarations
 * as their own events (appendEvents), so this should not happen; should it ever, the
 * declaration is refused rather than dropped silently.
 */
function declarationLost(event: JsonObject, appended: Appended): boolean {
  return (
    appended.duplicate &&
    isObject(event.errorDeclaration) &&
    !isObject(appended.row.document.errorDeclaration)
  );
}

function declarationProblem(index: number, event: JsonObject): CaptureProblem {
  return {
    ...problemOf(index, event, DECLARATION_DETAIL),
    type: EPCIS_EXCEPTION.implementation,
    status: 501,
  };
}

const DECLARATION_DETAIL =
  "this event declares an error in an event already stored, and the ledger could not record the declaration; nothing was stored for it";

/**
 * Who may declare a stored event erroneous through capture: the organisation that recorded it,
 * or a regulator. An event the lifecycle API recorded moved items; declaring it here would leave
 * their states as it set them, so it is corrected through the lifecycle API, which replays them.
 */
async function declarationRefusal(
  db: Db,
  event: JsonObject,
  hashId: string,
  capturer: Org | null,
): Promise<{ status: 403 | 409; detail: string } | null> {
  if (!isObject(event.errorDeclaration)) return null;
  const original = await eventByHashId(db, hashId);
  // Declaring an event this repository never stored is recorded as it comes (EPCIS 2.0, 7.4.1.3).
  if (!original) return null;
  if (original.actorOrgId !== capturer?.id && !isRegulatorOrg(capturer)) {
    return {
      status: 403,
      detail: `event ${original.eventId} was recorded by ${original.actorOrgId ?? "a buyer"}; only that organisation or a regulator declares it erroneous`,
    };
  }
  // A regulator declares only what was recorded inside its jurisdiction, as corrections do.
  if (capturer && original.actorOrgId !== capturer.id) {
    const recorder = original.actorOrgId
      ? await getOrg(db, original.actorOrgId).catch(() => null)
      : null;
    try {
      assertWithin(
        capturer,
        recorder?.regionCode ?? null,
        `the recorder of event ${original.eventId}`,
      );
    } catch (error) {
      if (error instanceof AppError) return { status: 403, detail: error.detail };
      throw error;
    }
  }
  if (original.kind !== "epcis") {
    return {
      status: 409,
      detail: `event ${original.eventId} is a ${original.kind} event of the lifecycle API; correct it with POST /v1/events (kind correction), which also puts its items' states right`,
    };
  }
  return null;
}

async function declarationRefusals(
  db: Db,
  candidates: { index: number; event: JsonObject }[],
  context: unknown[],
  actorOrgId: string,
): Promise<CaptureProblem[]> {
  const declarations = candidates.filter((c) => isObject(c.event.errorDeclaration));
  if (declarations.length === 0) return [];
  const capturer = await getOrg(db, actorOrgId).catch(() => null);
  const problems: CaptureProblem[] = [];
  for (const c of declarations) {
    const refusal = await declarationRefusal(
      db,
      c.event,
      await eventHashId(c.event, context),
      capturer,
    );
    if (refusal) {
      problems.push({
        ...problemOf(c.index, c.event, refusal.detail),
        type: refusal.status === 403 ? EPCIS_EXCEPTION.security : EPCIS_EXCEPTION.exists,
        status: refusal.status,
      });
    }
  }
  return problems;
}

/** Thrown inside a rollback transaction to undo it, with the problems that refuse the document. */
class RefusedDocument extends Error {
  constructor(readonly problems: CaptureProblem[]) {
    super("capture refused");
  }
}

const isUniqueViolation = (error: unknown): boolean => {
  const e = error as { code?: string; cause?: { code?: string } } | null;
  return e?.code === "23505" || e?.cause?.code === "23505";
};

/** Appends drafts in chunks; on PostgreSQL the chunks' statements are pipelined on the transaction. */
async function appendAll(
  tx: Db,
  recordTime: Date,
  drafts: EventDraft[],
  concurrent: boolean,
): Promise<Appended[]> {
  const chunks: EventDraft[][] = [];
  for (let i = 0; i < drafts.length; i += CHUNK) chunks.push(drafts.slice(i, i + CHUNK));
  if (!concurrent) {
    const out: Appended[] = [];
    for (const chunk of chunks) out.push(...(await appendEvents(tx, recordTime, chunk)));
    return out;
  }
  const results: Appended[][] = [];
  for (let i = 0; i < chunks.length; i += 4) {
    results.push(
      ...(await Promise.all(chunks.slice(i, i + 4).map((c) => appendEvents(tx, recordTime, c)))),
    );
  }
  return results.flat();
}

export interface CaptureOutcome {
  captured: number;
  duplicates: number;
  errors: CaptureProblem[];
}

/** Stores the good events of a prepared document: all or nothing (`rollback`) or as many as can be (`proceed`). */
export async function captureEvents(
  deps: CaptureDeps,
  prepared: PreparedDocument,
  behaviour: CaptureErrorBehaviour,
  actorOrgId: string,
  /**
   * Records a rollback capture's outcome in the transaction that stores its events, so that the
   * two commit together: a node that dies after the commit leaves the job finished, not running.
   */
  recordOutcome?: (tx: Db, outcome: CaptureOutcome) => Promise<void>,
): Promise<CaptureOutcome> {
  const errors: CaptureProblem[] = [];
  for (const [index, list] of [...prepared.problems.entries()].sort(([a], [b]) => a - b)) {
    errors.push(
      problemOf(index, prepared.events[index] ?? {}, list[0]?.message ?? "invalid", list),
    );
  }
  if (behaviour === "rollback" && errors.length > 0) return { captured: 0, duplicates: 0, errors };

  const candidates = [...prepared.events.entries()]
    .filter(([index]) => !prepared.problems.has(index))
    .map(([index, event]) => ({ index, event }));
  // Only a client's eventID can clash: the others become their own Event Hash ID.
  const withIds: Hashed[] = [];
  for (const c of candidates) {
    if (typeof c.event.eventID === "string") {
      withIds.push({ ...c, hashId: await eventHashId(c.event, prepared.context) });
    }
  }
  const conflicts = await eventIdConflicts(deps.db, withIds);
  for (const [index, detail] of conflicts) {
    errors.push({
      ...problemOf(index, prepared.events[index]!, detail),
      type: EPCIS_EXCEPTION.exists,
      status: 409,
    });
  }
  const refusedDeclarations = await declarationRefusals(
    deps.db,
    candidates.filter((c) => !conflicts.has(c.index)),
    prepared.context,
    actorOrgId,
  );
  errors.push(...refusedDeclarations);
  errors.sort((a, b) => (a.eventIndex ?? 0) - (b.eventIndex ?? 0));
  if (behaviour === "rollback" && errors.length > 0) return { captured: 0, duplicates: 0, errors };

  const toDraft = (c: { event: JsonObject }): EventDraft => ({
    kind: "epcis",
    event: c.event,
    context: prepared.context,
    actorOrgId,
    subjects: eventSubjects(c.event),
  });
  const refused = new Set(refusedDeclarations.map((p) => p.eventIndex));
  const unique = candidates.filter((c) => !conflicts.has(c.index) && !refused.has(c.index));
  let duplicates = 0;
  const count = (appended: Appended[]) => {
    let captured = 0;
    for (const a of appended) {
      if (a.duplicate) duplicates++;
      else captured++;
    }
    return captured;
  };

  const lostDeclarations = (chunk: { index: number; event: JsonObject }[], appended: Appended[]) =>
    chunk.flatMap((c, i) =>
      declarationLost(c.event, appended[i]!) ? [declarationProblem(c.index, c.event)] : [],
    );

  if (behaviour === "rollback") {
    const drafts = unique.map(toDraft);
    const run = (concurrent: boolean) =>
      deps.db.transaction(async (tx) => {
        const appended = await appendAll(tx, deps.clock.now(), drafts, concurrent);
        const lost = lostDeclarations(unique, appended);
        if (lost.length > 0) throw new RefusedDocument(lost);
        const duplicated = appended.filter((a) => a.duplicate).length;
        await recordOutcome?.(tx, {
          captured: appended.length - duplicated,
          duplicates: duplicated,
          errors,
        });
        return appended;
      });
    let appended: Appended[];
    try {
      try {
        appended = await run(deps.concurrentAppends);
      } catch (error) {
        // The same event twice in one document, in two chunks appended at once, or stored by
        // another capture meanwhile: appended in order, each is recognised as a duplicate.
        if (!isUniqueViolation(error)) throw error;
        appended = await run(false);
      }
    } catch (error) {
      if (error instanceof RefusedDocument)
        return { captured: 0, duplicates: 0, errors: error.problems };
      throw error;
    }
    return { captured: count(appended), duplicates, errors };
  }

  let captured = 0;
  for (let i = 0; i < unique.length; i += CHUNK) {
    const chunk = unique.slice(i, i + CHUNK);
    try {
      const appended = await deps.db.transaction((tx) =>
        appendAll(tx, deps.clock.now(), chunk.map(toDraft), false),
      );
      captured += count(appended);
      errors.push(...lostDeclarations(chunk, appended));
    } catch {
      for (const h of chunk) {
        try {
          const appended = await deps.db.transaction((tx) =>
            appendEvents(tx, deps.clock.now(), [toDraft(h)]),
          );
          captured += count(appended);
        } catch (error) {
          deps.logger.warn("epcis capture: event not stored", {
            eventIndex: h.index,
            error: String(error),
          });
          errors.push({
            ...problemOf(h.index, h.event, "the event could not be stored"),
            type: EPCIS_EXCEPTION.implementation,
            status: 500,
          });
        }
      }
    }
  }
  errors.sort((a, b) => (a.eventIndex ?? 0) - (b.eventIndex ?? 0));
  return { captured, duplicates, errors };
}

/** Synchronous capture of one event (POST /epcis/events). */
export async function captureSingleEvent(
  deps: CaptureDeps,
  event: unknown,
  actorOrgId: string,
): Promise<Appended> {
  const schemaErrors = validateSingleEvent(event);
  const errors =
    schemaErrors.length > 0 ? schemaErrors : checkEvent(event as JsonObject, undefined);
  if (errors.length > 0) {
    const first = errors[0]!;
    throw invalid(
      `the event is not valid EPCIS 2.0, it was not stored: ${first.path}: ${first.message}`,
      errors,
    );
  }
  const e = event as JsonObject;
  const context = asContextList(e["@context"]);
  const hashId = await eventHashId(e, context);
  const conflict = (await eventIdConflicts(deps.db, [{ index: 0, event: e, hashId }])).get(0);
  if (conflict) {
    throw new AppError("conflict", conflict, { epcisException: EPCIS_EXCEPTION.exists });
  }
  const capturer = await getOrg(deps.db, actorOrgId).catch(() => null);
  const refusal = await declarationRefusal(deps.db, e, hashId, capturer);
  if (refusal) {
    throw new AppError(refusal.status === 403 ? "forbidden" : "conflict", refusal.detail, {
      epcisException: refusal.status === 403 ? EPCIS_EXCEPTION.security : EPCIS_EXCEPTION.exists,
    });
  }
  const draft: EventDraft = {
    kind: "epcis",
    event: e,
    context,
    actorOrgId,
    subjects: eventSubjects(e),
  };
  const run = () => deps.db.transaction((tx) => appendEvents(tx, deps.clock.now(), [draft]));
  let appended: Appended;
  try {
    appended = (await run())[0]!;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    appended = (await run())[0]!;
  }
  if (declarationLost(e, appended)) {
    throw new AppError("not_implemented", DECLARATION_DETAIL, {
      epcisException: EPCIS_EXCEPTION.implementation,
    });
  }
  return appended;
}
