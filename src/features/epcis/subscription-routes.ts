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
import { EpcisQueryDocument, NamedQuery, Subscription, SubscriptionRequest } from "./schemas";
import {
  createNamedQuery,
  type DeliveryDeps,
  ensureDispatcher,
  kickDeliveries,
  namedQuery,
  subscriptionView,
} from "./subscriptions";

const tags = ["EPCIS 2.0 queries and subscriptions"];

/** What a delivery needs, from the request's dependencies. */
export function deliveryDeps(c: Context<AppEnv>): DeliveryDeps {
  const { db, clock, logger, config, resolveHost } = c.var.deps;
  return { db, clock, logger, destinations: destinationPolicy(config, resolveHost) };
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
    summary: "Subscribe a webhook to a named query (stream: every new matching event)",
    description: [
      "Events that match are POSTed to `dest` as EPCISQueryDocuments (at most 500 events each), in arrival order, with `GS1-Signature: sha256=<hex HMAC-SHA256 of the body under signatureToken>` when a signatureToken is given.",
      "Delivery is at least once: the subscription's position moves only when `dest` answers 2xx; failures are retried with exponential backoff (1 s doubling, at most an hour), and delivery resumes after a restart from the last acknowledged event. `initialRecordTime` (default: now) leaves out older events. Scheduled subscriptions are not supported (501).",
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
    if (input.schedule) {
      throw new AppError(
        "not_implemented",
        "scheduled subscriptions are not supported; subscribe with stream: true",
        {
          epcisException: "epcisException:ImplementationException",
        },
      );
    }
    if (input.stream !== true) {
      throw new AppError("epcis_validation", "a subscription needs stream: true (or a schedule)", {
        epcisException: "epcisException:SubscriptionControlsException",
      });
    }
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
    const now = c.var.deps.clock.now();
    const initial = input.initialRecordTime ? new Date(input.initialRecordTime) : now;
    if (Number.isNaN(initial.getTime())) {
      throw new AppError("epcis_validation", "initialRecordTime must be a date-time", {
        epcisException: "epcisException:SubscriptionControlsException",
      });
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
    summary: "The caller's subscriptions to a named query (a regulator sees all)",
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
  router.get("/epcis/queries/:name/subscriptions", async (c) => {
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
