// Named queries (/epcis/queries) and webhook subscriptions to them.
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import type { Context } from "hono";
import { epcisQueries, epcisSubscriptions } from "../../db/schema";
import { requireWriter } from "../../lib/auth";
import type { AppEnv } from "../../lib/context";
import { destinationPolicy, resolvedDestinationProblem } from "../../lib/destinations";
import { AppError } from "../../lib/errors";
import { randomUuid } from "../../lib/random";
import {
  authErrorResponses,
  conflictResponse,
  errorResponses,
  notFoundResponse,
  validationError,
} from "../../lib/router";
import { EPC_FORMATS, type EpcFormat } from "./format";
import { epcFormatOf, requireReader } from "./http";
import { paramsFromJson, paramsFromUrl } from "./query";
import { answerQuery } from "./query-routes";
import { nextRun, parseSchedule, type Schedule, ScheduleError } from "./schedule";
import { EpcisQueryDocument, NamedQuery, Subscription, SubscriptionRequest } from "./schemas";
import {
  createNamedQuery,
  type DeliveryDeps,
  ensureDispatcher,
  kickDeliveries,
  namedQuery,
  subscriptionView,
} from "./subscriptions";
import { socketEvents, wantsWebSocket, websocketDest } from "./websocket";

const tags = ["EPCIS 2.0 queries and subscriptions"];

function subscriptionControls(message: string, path: string): AppError {
  return new AppError("epcis_validation", message, {
    epcisException: "epcisException:SubscriptionControlsException",
    errors: [{ path, message }],
  });
}

function checkedSchedule(input: Record<string, string>): Schedule {
  try {
    return parseSchedule(input);
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    const path = error.field === "schedule" ? "schedule" : `schedule.${error.field}`;
    throw subscriptionControls(error.message, path);
  }
}

interface Controls {
  stream?: true | undefined;
  schedule?: Record<string, string> | undefined;
  initialRecordTime?: string | undefined;
}

/** A subscription's stream or schedule (exactly one) and where it starts, as the standard asks. */
function controlsOf(input: Controls, now: Date): { schedule: Schedule | null; initial: Date } {
  const schedule = input.schedule ? checkedSchedule(input.schedule) : null;
  if (schedule && input.stream !== undefined) {
    throw subscriptionControls("a subscription has a schedule or stream: true, not both", "stream");
  }
  if (!schedule && input.stream !== true) {
    throw subscriptionControls("a subscription needs stream: true or a schedule", "stream");
  }
  const initial = input.initialRecordTime ? new Date(input.initialRecordTime) : now;
  if (Number.isNaN(initial.getTime())) {
    throw subscriptionControls("initialRecordTime must be a date-time", "initialRecordTime");
  }
  return { schedule, initial };
}

const SCHEDULE_FIELDS = ["second", "minute", "hour", "dayOfMonth", "month", "dayOfWeek"] as const;

/** The controls of a WebSocket subscription, which come in the query string of the upgrade. */
function socketControls(c: Context<AppEnv>): Controls & { reportIfEmpty: boolean } {
  const q = (name: string) => c.req.query(name);
  const given = SCHEDULE_FIELDS.filter((f) => q(f) !== undefined);
  const stream = q("stream");
  if (stream !== undefined && stream !== "true") {
    throw subscriptionControls("stream must be true when given", "stream");
  }
  return {
    ...(stream === "true" ? { stream: true as const } : {}),
    ...(given.length > 0 ? { schedule: Object.fromEntries(given.map((f) => [f, q(f)!])) } : {}),
    ...(q("initialRecordTime") ? { initialRecordTime: q("initialRecordTime") } : {}),
    reportIfEmpty: q("reportIfEmpty") === "true",
  };
}

/**
 * Opens a WebSocket subscription: checked like a webhook's (key, query, controls) before the
 * socket is accepted, so a bad request gets an HTTP error; stored when the socket opens; ended
 * when it closes. Deliveries are the webhook's, sent as text messages on the socket.
 */
async function openSocketSubscription(c: Context<AppEnv>, next: () => Promise<void>) {
  const upgrade = c.var.deps.upgradeWebSocket;
  if (!upgrade) {
    throw new AppError(
      "not_implemented",
      "WebSocket subscriptions are not offered by this runtime",
    );
  }
  const caller = await requireWriter(c);
  const query = await namedQuery(c.var.deps.db, c.req.param("name") ?? "");
  const input = socketControls(c);
  const now = c.var.deps.clock.now();
  const { schedule, initial } = controlsOf(input, now);
  const format = epcFormatOf(c);
  const deps = deliveryDeps(c);
  const id = randomUuid();
  const events = socketEvents(deps.db, id, {
    store: async () => {
      await deps.db.insert(epcisSubscriptions).values({
        id,
        queryName: query.name,
        ownerOrgId: caller.org.id,
        dest: websocketDest(id),
        signatureToken: null,
        epcFormat: format,
        initialRecordTime: initial,
        schedule: input.schedule ?? null,
        reportIfEmpty: input.reportIfEmpty,
        nextAttemptAt: schedule ? nextRun(schedule, now) : null,
        createdAt: now,
      });
    },
    started: () => {
      ensureDispatcher(deps);
      void kickDeliveries(deps);
    },
    failed: (error) =>
      deps.logger.warn("websocket subscription not stored or not removed", {
        subscriptionId: id,
        error: String(error),
      }),
  });
  return upgrade(() => events)(c, next);
}

/** What a delivery needs, from the request's dependencies. */
export function deliveryDeps(c: Context<AppEnv>): DeliveryDeps {
  const { db, dbKind, clock, logger, config, resolveHost } = c.var.deps;
  return { db, dbKind, clock, logger, destinations: destinationPolicy(config, resolveHost) };
}

async function jsonBody<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.infer<T>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new AppError("malformed_json", "the request body is not valid JSON");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error, "json");
  return parsed.data;
}

const mayManage = (orgId: string, caller: { org: { id: string; roles: string[] } }) =>
  caller.org.id === orgId || caller.org.roles.includes("regulator");

export function registerSubscriptionRoutes(router: OpenAPIHono<AppEnv>): void {
  const registry = router.openAPIRegistry;
  const name = z.object({ queryName: z.string() });

  registry.registerPath({
    method: "post",
    path: "/epcis/queries",
    operationId: "epcisCreateQuery",
    summary: "Create a named query (a stored set of EPCIS query parameters)",
    description:
      "The query is checked against the standard's query-schema.json and the parameters this repository answers. Needs the key of a verified organisation.",
    tags,
    request: { body: { required: true, content: { "application/json": { schema: NamedQuery } } } },
    responses: {
      201: {
        description: "Created; Location names it",
        content: { "application/json": { schema: NamedQuery } },
      },
      ...authErrorResponses,
      ...conflictResponse,
      ...errorResponses,
    },
  });
  router.post("/epcis/queries", async (c) => {
    const caller = await requireWriter(c);
    const input = await jsonBody(c, NamedQuery);
    const row = await createNamedQuery(c.var.deps.db, c.var.deps.clock.now(), input, caller.org.id);
    return c.json({ name: row.name, query: row.query }, 201, {
      Location: `/epcis/queries/${encodeURIComponent(row.name)}`,
    });
  });

  registry.registerPath({
    method: "get",
    path: "/epcis/queries",
    operationId: "epcisListQueries",
    summary: "Named queries",
    tags,
    responses: {
      200: {
        description: "The queries",
        content: { "application/json": { schema: z.array(NamedQuery) } },
      },
      ...authErrorResponses,
    },
  });
  router.get("/epcis/queries", async (c) => {
    await requireReader(c);
    const rows = await c.var.deps.db
      .select()
      .from(epcisQueries)
      .orderBy(asc(epcisQueries.name))
      .limit(1000);
    return c.json(
      rows.map((r) => ({ name: r.name, query: r.query })),
      200,
    );
  });

  registry.registerPath({
    method: "get",
    path: "/epcis/queries/{queryName}",
    operationId: "epcisGetQuery",
    summary: "A named query's definition",
    tags,
    request: { params: name },
    responses: {
      200: { description: "The query", content: { "application/json": { schema: NamedQuery } } },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  router.get("/epcis/queries/:name", async (c) => {
    await requireReader(c);
    const row = await namedQuery(c.var.deps.db, c.req.param("name"));
    return c.json({ name: row.name, query: row.query }, 200);
  });

  registry.registerPath({
    method: "delete",
    path: "/epcis/queries/{queryName}",
    operationId: "epcisDeleteQuery",
    summary: "Delete a named query and end its subscriptions (its creator or a regulator)",
    tags,
    request: { params: name },
    responses: { 204: { description: "Deleted" }, ...authErrorResponses, ...notFoundResponse },
  });
  router.delete("/epcis/queries/:name", async (c) => {
    const caller = await requireWriter(c);
    const row = await namedQuery(c.var.deps.db, c.req.param("name"));
    if (!mayManage(row.ownerOrgId, caller)) {
      throw new AppError("forbidden", `query ${row.name} belongs to another organisation`, {
        epcisException: "epcisException:SecurityException",
      });
    }
    await c.var.deps.db.delete(epcisQueries).where(eq(epcisQueries.name, row.name));
    return c.body(null, 204);
  });

  registry.registerPath({
    method: "get",
    path: "/epcis/queries/{queryName}/events",
    operationId: "epcisRunQuery",
    summary: "Run a named query (EPCISQueryDocument pages, as GET /epcis/events)",
    tags,
    request: {
      params: name,
      query: z.object({ perPage: z.string().optional(), nextPageToken: z.string().optional() }),
    },
    responses: {
      200: {
        description: "The events",
        content: { "application/json": { schema: EpcisQueryDocument } },
      },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  router.get("/epcis/queries/:name/events", async (c) => {
    await requireReader(c);
    const row = await namedQuery(c.var.deps.db, c.req.param("name"));
    const params = paramsFromJson(row.query);
    for (const [key, values] of paramsFromUrl(c.req.queries())) {
      if (key !== "perPage" && key !== "nextPageToken") {
        throw new AppError(
          "query_parameter",
          `a named query takes only perPage and nextPageToken (got '${key}')`,
          {
            epcisException: "epcisException:QueryParameterException",
          },
        );
      }
      params.set(key, values);
    }
    return answerQuery(c, params, { queryName: row.name });
  });

  registry.registerPath({
    method: "post",
    path: "/epcis/queries/{queryName}/subscriptions",
    operationId: "epcisSubscribe",
    summary:
      "Subscribe a webhook to a named query (stream: every new matching event; schedule: at set times)",
    description: [
      "Events that match are POSTed to `dest` as EPCISQueryDocuments (at most 500 events each), in arrival order, with `GS1-Signature: sha256=<hex HMAC-SHA256 of the body under signatureToken>` when a signatureToken is given.",
      "Delivery is at least once: the subscription's position moves only when `dest` answers 2xx; failures are retried with exponential backoff (1 s doubling, at most an hour), and delivery resumes after a restart from the last acknowledged event. `initialRecordTime` (default: now) leaves out older events.",
      "With `schedule` instead of `stream` (the standard's fields second, minute, hour, dayOfMonth, month, dayOfWeek: numbers and `[low-high]` ranges, comma separated, read in China Standard Time), the events recorded since the last acknowledged run are sent at each scheduled time; `reportIfEmpty: true` calls `dest` even when there are none. `minRecordTime` is the time of the last acknowledged run (at first `initialRecordTime`).",
    ].join("\n"),
    tags,
    request: {
      params: name,
      headers: z.object({ "GS1-EPC-Format": z.enum(EPC_FORMATS).optional() }),
      body: { required: true, content: { "application/json": { schema: SubscriptionRequest } } },
    },
    responses: {
      201: {
        description: "Subscribed; Location names the subscription",
        content: { "application/json": { schema: Subscription } },
      },
      ...authErrorResponses,
      ...notFoundResponse,
      501: errorResponses[500],
      ...errorResponses,
    },
  });
  router.post("/epcis/queries/:name/subscriptions", async (c) => {
    const caller = await requireWriter(c);
    const input = await jsonBody(c, SubscriptionRequest);
    const query = await namedQuery(c.var.deps.db, c.req.param("name"));
    const now = c.var.deps.clock.now();
    const { schedule, initial } = controlsOf(input, now);
    const refused = await resolvedDestinationProblem(input.dest, deliveryDeps(c).destinations);
    if (refused) {
      throw new AppError(
        "epcis_validation",
        `${refused} (SUBSCRIPTION_ALLOWED_HOSTS or SUBSCRIPTION_PRIVATE_DESTINATIONS allow it)`,
        {
          epcisException: "epcisException:SubscriptionControlsException",
          errors: [{ path: "dest", message: refused }],
        },
      );
    }
    const format: EpcFormat = epcFormatOf(c);
    const [row] = await c.var.deps.db
      .insert(epcisSubscriptions)
      .values({
        id: randomUuid(),
        queryName: query.name,
        ownerOrgId: caller.org.id,
        dest: input.dest,
        signatureToken: input.signatureToken ?? null,
        epcFormat: format,
        initialRecordTime: initial,
        schedule: input.schedule ?? null,
        reportIfEmpty: input.reportIfEmpty ?? false,
        // A scheduled subscription is first due at its first scheduled time.
        nextAttemptAt: schedule ? nextRun(schedule, now) : null,
        createdAt: now,
      })
      .returning();
    ensureDispatcher(deliveryDeps(c));
    void kickDeliveries(deliveryDeps(c));
    return c.json(subscriptionView(row!), 201, {
      Location: `/epcis/queries/${encodeURIComponent(query.name)}/subscriptions/${row!.id}`,
    });
  });

  registry.registerPath({
    method: "get",
    path: "/epcis/queries/{queryName}/subscriptions",
    operationId: "epcisListSubscriptions",
    summary:
      "The caller's subscriptions to a named query (a regulator sees all); with Upgrade: websocket, a WebSocket subscription",
    description:
      "Sent as a WebSocket upgrade (Node only; 501 elsewhere), this opens a subscription whose deliveries arrive as messages on the socket, each an EPCISQueryDocument, until the socket closes. Controls in the query string: `stream=true` or schedule fields (`second`, `minute`, `hour`, `dayOfMonth`, `month`, `dayOfWeek`), `initialRecordTime`, `reportIfEmpty`; checked like a webhook subscription's before the socket is accepted.",
    tags,
    request: { params: name },
    responses: {
      200: {
        description: "Subscriptions",
        content: { "application/json": { schema: z.array(Subscription) } },
      },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  router.get("/epcis/queries/:name/subscriptions", async (c, next) => {
    if (wantsWebSocket(c)) return openSocketSubscription(c, next);
    const caller = await requireReader(c);
    const query = await namedQuery(c.var.deps.db, c.req.param("name"));
    const rows = await c.var.deps.db
      .select()
      .from(epcisSubscriptions)
      .where(
        and(
          eq(epcisSubscriptions.queryName, query.name),
          caller.org.roles.includes("regulator")
            ? undefined
            : eq(epcisSubscriptions.ownerOrgId, caller.org.id),
        ),
      )
      .orderBy(asc(epcisSubscriptions.createdAt));
    return c.json(rows.map(subscriptionView), 200);
  });

  const findSubscription = async (
    c: Context<AppEnv>,
    caller: { org: { id: string; roles: string[] } },
  ) => {
    const [row] = await c.var.deps.db
      .select()
      .from(epcisSubscriptions)
      .where(
        and(
          eq(epcisSubscriptions.id, c.req.param("id") ?? ""),
          eq(epcisSubscriptions.queryName, c.req.param("name") ?? ""),
        ),
      );
    if (!row || !mayManage(row.ownerOrgId, caller)) {
      throw new AppError("not_found", `subscription ${c.req.param("id")} does not exist`, {
        epcisException: "epcisException:NoSuchSubscriptionException",
      });
    }
    return row;
  };

  const subscriptionParams = z.object({ queryName: z.string(), subscriptionID: z.string() });
  registry.registerPath({
    method: "get",
    path: "/epcis/queries/{queryName}/subscriptions/{subscriptionID}",
    operationId: "epcisGetSubscription",
    summary: "One subscription, with its delivery state",
    tags,
    request: { params: subscriptionParams },
    responses: {
      200: {
        description: "The subscription",
        content: { "application/json": { schema: Subscription } },
      },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  router.get("/epcis/queries/:name/subscriptions/:id", async (c) => {
    const caller = await requireReader(c);
    return c.json(subscriptionView(await findSubscription(c, caller)), 200);
  });

  registry.registerPath({
    method: "delete",
    path: "/epcis/queries/{queryName}/subscriptions/{subscriptionID}",
    operationId: "epcisUnsubscribe",
    summary: "End a subscription (its subscriber or a regulator)",
    tags,
    request: { params: subscriptionParams },
    responses: { 204: { description: "Unsubscribed" }, ...authErrorResponses, ...notFoundResponse },
  });
  router.delete("/epcis/queries/:name/subscriptions/:id", async (c) => {
    const caller = await requireWriter(c);
    const row = await findSubscription(c, caller);
    await c.var.deps.db.delete(epcisSubscriptions).where(eq(epcisSubscriptions.id, row.id));
    return c.body(null, 204);
  });
}
