// EPCIS query routes: GET /epcis/events and its shortcuts by event, EPC, type, step, disposition and place; collections.
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, gt, isNotNull, ne, type SQL, sql } from "drizzle-orm";
import type { Context } from "hono";
import { eventSubjects, events } from "../../db/schema";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import {
  authErrorResponses,
  errorResponses,
  notFoundResponse,
  problemResponseSpec,
} from "../../lib/router";
import { queryDocument } from "./format";
import { collection, epcFormatOf, requireReader } from "./http";
import {
  DEFAULT_PER_PAGE,
  MAX_PER_PAGE,
  paramsFromUrl,
  parseQuery,
  type QueryParams,
} from "./query";
import { runQuery } from "./query-page";
import { EpcisQueryDocument, QueryParameters } from "./schemas";
import { identifierKey } from "./subjects";
import { BIZ_STEPS, cbvShort, DISPOSITIONS, EVENT_TYPES, VOCABULARIES } from "./vocab";

const tags = ["EPCIS 2.0"];

const queryProblems = {
  400: problemResponseSpec(
    "Unknown or malformed query parameter (`epcisException`: epcisException:QueryParameterException)",
  ),
  ...authErrorResponses,
  413: problemResponseSpec(
    "More events than maxEventCount (`epcisException`: epcisException:QueryTooLargeException)",
  ),
  501: problemResponseSpec(
    "A standard parameter this repository does not support (`epcisException`: epcisException:ImplementationException)",
  ),
  500: errorResponses[500],
} as const;

const queryResponse = {
  description: 'An EPCISQueryDocument; `Link: <…>; rel="next"` points at the next page',
  content: { "application/json": { schema: EpcisQueryDocument } },
};

function perPageOf(params: QueryParams): number {
  const raw = params.get("perPage");
  if (!raw || raw.length === 0) return DEFAULT_PER_PAGE;
  const n = Number(raw[0]);
  if (raw.length !== 1 || !Number.isInteger(n) || n < 1) {
    throw new AppError(
      "query_parameter",
      `perPage must be a positive integer (got '${raw.join("|")}')`,
      {
        epcisException: "epcisException:QueryParameterException",
      },
    );
  }
  return Math.min(n, MAX_PER_PAGE);
}

/** An EPCIS query's answer: one EPCISQueryDocument page; `fixed` adds the constraint of a shortcut route. */
export async function queryPage(
  c: Context<AppEnv>,
  params: QueryParams,
  options: { fixed?: SQL; queryName?: string } = {},
): Promise<{
  body: ReturnType<typeof queryDocument>;
  count: number;
  headers: Record<string, string>;
}> {
  await requireReader(c);
  const format = epcFormatOf(c);
  const perPage = perPageOf(params);
  const query = parseQuery(params);
  const { db, clock } = c.var.deps;
  const page = await runQuery(db, query, {
    perPage,
    nextPageToken: params.get("nextPageToken")?.[0],
    extra: options.fixed,
  });
  const body = queryDocument(page.rows, { format, now: clock.now(), queryName: options.queryName });
  const headers: Record<string, string> = { "GS1-EPC-Format": format };
  if (page.nextPageToken) {
    const next = new URL(c.req.url);
    next.searchParams.set("nextPageToken", page.nextPageToken);
    headers.Link = `<${next.pathname}${next.search}>; rel="next"`;
  }
  return { body, count: page.rows.length, headers };
}

export async function answerQuery(
  c: Context<AppEnv>,
  params: QueryParams,
  options: { fixed?: SQL; queryName?: string } = {},
): Promise<Response> {
  const { body, headers } = await queryPage(c, params, options);
  return c.json(body, 200, headers);
}

const urlParams = (c: Context<AppEnv>) => paramsFromUrl(c.req.queries());

/** Distinct values of a column, in order, a page at a time (keyset on the value). */
async function distinctValues(
  c: Context<AppEnv>,
  column: typeof events.readPoint | typeof events.bizLocation,
): Promise<Response> {
  await requireReader(c);
  const params = urlParams(c);
  const perPage = perPageOf(params);
  const after = params.get("nextPageToken")?.[0];
  const rows = await c.var.deps.db
    .selectDistinct({ value: column })
    .from(events)
    .where(and(isNotNull(column), after ? gt(column, after) : undefined))
    .orderBy(asc(column))
    .limit(perPage + 1);
  const values = rows.map((r) => r.value!).slice(0, perPage);
  const headers: Record<string, string> = {};
  if (rows.length > perPage) {
    const next = new URL(c.req.url);
    next.searchParams.set("nextPageToken", values[values.length - 1]!);
    headers.Link = `<${next.pathname}${next.search}>; rel="next"`;
  }
  return c.json(collection(values), 200, headers);
}

/** The CBV terms plus whatever else the ledger holds in that column (custom URIs, our own steps). */
async function vocabularyCollection(
  c: Context<AppEnv>,
  column: typeof events.bizStep | typeof events.disposition,
  standard: readonly string[],
  vocabulary: (typeof VOCABULARIES)[keyof typeof VOCABULARIES],
): Promise<Response> {
  await requireReader(c);
  const rows = await c.var.deps.db
    .selectDistinct({ value: column })
    .from(events)
    .where(isNotNull(column));
  const members = new Set<string>(standard);
  for (const { value } of rows) if (value) members.add(cbvShort(value, vocabulary));
  return c.json(collection([...members]), 200);
}

const collectionResponse = {
  200: {
    description: "A Collection",
    content: { "application/json": { schema: z.object({ member: z.array(z.string()) }) } },
  },
  ...authErrorResponses,
};

export function registerQueryRoutes(router: OpenAPIHono<AppEnv>): void {
  const register = (
    path: string,
    operationId: string,
    summary: string,
    params?: z.ZodObject,
    description?: string,
  ) =>
    router.openAPIRegistry.registerPath({
      method: "get",
      path,
      operationId,
      summary,
      ...(description ? { description } : {}),
      tags,
      request: {
        query: QueryParameters,
        headers: z.object({
          "GS1-EPC-Format": z
            .enum([
              "No_Preference",
              "Always_GS1_Digital_Link",
              "Always_EPC_URN",
              "Never_Translates",
            ])
            .optional()
            .openapi({
              description:
                "How identifiers are written in the answer (default Always_GS1_Digital_Link)",
            }),
        }),
        ...(params ? { params } : {}),
      },
      responses: { 200: queryResponse, ...queryProblems, ...(params ? notFoundResponse : {}) },
    });

  register(
    "/epcis/events",
    "epcisQueryEvents",
    "Query events with the standard's parameters (EPCISQueryDocument, keyset pages)",
    undefined,
    [
      "Every event of the ledger: captured through this interface and recorded through the lifecycle API alike. Any organisation's key may query.",
      "",
      "Parameters take several values separated by `|` (or repeated). Also understood: `EQ_bizTransaction_{type}`, `EQ_source_{type}`, `EQ_destination_{type}` (type as a CBV term or URI). An unknown parameter is a 400 QueryParameterException; a standard one not supported here (quantities, sensor values, extension fields) a 501.",
      "",
      `Pages: \`perPage\` (default ${DEFAULT_PER_PAGE}, at most ${MAX_PER_PAGE}); the next page is in \`Link: <…>; rel="next"\`. The token holds the position of the last event sent, so events recorded meanwhile never shift a page. Without \`orderBy\`, events come in arrival order.`,
    ].join("\n"),
  );
  router.get("/epcis/events", (c) => answerQuery(c, urlParams(c)));

  register(
    "/epcis/events/{eventID}",
    "epcisGetEvent",
    "One event by its eventID (URL-encoded)",
    z.object({ eventID: z.string() }),
  );
  router.get("/epcis/events/:eventID{.+}", async (c) => {
    const eventID = c.req.param("eventID");
    const params = urlParams(c);
    for (const name of params.keys()) {
      if (name !== "perPage" && name !== "nextPageToken") {
        throw new AppError("query_parameter", `unknown query parameter '${name}'`, {
          epcisException: "epcisException:QueryParameterException",
        });
      }
    }
    params.set("EQ_eventID", [eventID]);
    const { body, count, headers } = await queryPage(c, params);
    if (count === 0) {
      throw new AppError("not_found", `no event has the eventID ${eventID}`, {
        epcisException: "epcisException:NoSuchResourceException",
      });
    }
    return c.json(body, 200, headers);
  });

  register(
    "/epcis/epcs/{epc}/events",
    "epcisEventsByEpc",
    "Events naming an identifier (EPC URN or Digital Link, URL-encoded) in any list or as parent",
    z.object({ epc: z.string() }),
  );
  router.get("/epcis/epcs/:epc{.+}/events", (c) => {
    const { key } = identifierKey(c.req.param("epc"));
    const fixed = sql`${events.id} in (select ${eventSubjects.eventId} from ${eventSubjects} where ${and(
      sql`${eventSubjects.subjectKey} = ${key}`,
      ne(eventSubjects.role, "context"),
    )})`;
    return answerQuery(c, urlParams(c), { fixed });
  });

  // Shortcuts: /epcis/{eventTypes|bizSteps|dispositions|readPoints|bizLocations}/{value}/events.
  const shortcuts: [string, string, string][] = [
    ["eventTypes", "eventType", "eventType"],
    ["bizSteps", "bizStep", "EQ_bizStep"],
    ["dispositions", "disposition", "EQ_disposition"],
    ["readPoints", "readPoint", "EQ_readPoint"],
    ["bizLocations", "bizLocation", "EQ_bizLocation"],
  ];
  for (const [resource, param, parameter] of shortcuts) {
    register(
      `/epcis/${resource}/{${param}}/events`,
      `epcisEventsBy${param[0]!.toUpperCase()}${param.slice(1)}`,
      `Events by ${param} (the value URL-encoded)`,
      z.object({ [param]: z.string() }),
    );
    router.get(`/epcis/${resource}/:value{.+}/events`, (c) => {
      const params = urlParams(c);
      if (params.has(parameter)) {
        throw new AppError("query_parameter", `${parameter} is given by the path here`, {
          epcisException: "epcisException:QueryParameterException",
        });
      }
      params.set(parameter, [c.req.param("value")]);
      return answerQuery(c, params);
    });
  }

  router.openAPIRegistry.registerPath({
    method: "get",
    path: "/epcis/eventTypes",
    operationId: "epcisEventTypes",
    summary: "Event types: the five of the standard and any other the ledger holds",
    tags,
    responses: collectionResponse,
  });
  router.get("/epcis/eventTypes", async (c) => {
    await requireReader(c);
    const rows = await c.var.deps.db.selectDistinct({ value: events.eventType }).from(events);
    return c.json(
      collection([...new Set<string>([...EVENT_TYPES, ...rows.map((r) => r.value)])]),
      200,
    );
  });

  router.openAPIRegistry.registerPath({
    method: "get",
    path: "/epcis/bizSteps",
    operationId: "epcisBizSteps",
    summary: "Business steps: CBV 2.0 and the custom ones the ledger holds",
    tags,
    responses: collectionResponse,
  });
  router.get("/epcis/bizSteps", (c) =>
    vocabularyCollection(c, events.bizStep, BIZ_STEPS, VOCABULARIES.bizStep),
  );

  router.openAPIRegistry.registerPath({
    method: "get",
    path: "/epcis/dispositions",
    operationId: "epcisDispositions",
    summary: "Dispositions: CBV 2.0 and the custom ones the ledger holds",
    tags,
    responses: collectionResponse,
  });
  router.get("/epcis/dispositions", (c) =>
    vocabularyCollection(c, events.disposition, DISPOSITIONS, VOCABULARIES.disposition),
  );

  for (const [resource, column, operationId] of [
    ["readPoints", events.readPoint, "epcisReadPoints"],
    ["bizLocations", events.bizLocation, "epcisBizLocations"],
  ] as const) {
    router.openAPIRegistry.registerPath({
      method: "get",
      path: `/epcis/${resource}`,
      operationId,
      summary: `${resource === "readPoints" ? "Read points" : "Business locations"} named by events, in order, a page at a time`,
      tags,
      request: {
        query: z.object({ perPage: z.string().optional(), nextPageToken: z.string().optional() }),
      },
      responses: collectionResponse,
    });
    router.get(`/epcis/${resource}`, (c) => distinctValues(c, column));
  }
}
