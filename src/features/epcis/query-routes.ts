// EPCIS query routes: GET /epcis/events and its shortcuts by event, EPC, type, step, disposition and place; collections.
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, gt, isNotNull, ne, type SQL, sql } from "drizzle-orm";
import type { Context } from "hono";
import { eventSubjects, events } from "../../db/schema";
import { epcOf } from "../../ledger/epcis";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import {
  authErrorResponses,
  errorResponses,
  notFoundResponse,
  problemResponseSpec,
} from "../../lib/router";
import { queryDocument, type StoredEvent, toEpcUrn } from "./format";
import { cbvXmlFormatOf, collection, epcFormatOf, requireReader, wantsXml } from "./http";
import { resolveMasterDataParams } from "./master-data-query";
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
import { queryDocumentXml } from "./xml/to-xml";

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
  description:
    'An EPCISQueryDocument, in JSON-LD or (with `Accept: application/xml`) in EPCIS 2.0 XML; `Link: <…>; rel="next"` points at the next page',
  content: {
    "application/json": { schema: EpcisQueryDocument },
    "application/xml": {
      schema: z
        .string()
        .openapi({ description: "EPCISQueryDocument valid against GS1's EPCIS 2.0 query XSD" }),
    },
  },
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
  rows: StoredEvent[];
  count: number;
  headers: Record<string, string>;
}> {
  await requireReader(c);
  const format = epcFormatOf(c);
  const perPage = perPageOf(params);
  const { db, clock } = c.var.deps;
  const query = parseQuery(params, await resolveMasterDataParams(db, params));
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
  return { body, rows: page.rows, count: page.rows.length, headers };
}

/** The page as JSON-LD, or as EPCIS XML when the client asks for it (Accept: application/xml). */
export function respondWithPage(
  c: Context<AppEnv>,
  page: Awaited<ReturnType<typeof queryPage>>,
  queryName?: string,
): Response {
  if (!wantsXml(c.req.header("Accept"))) return c.json(page.body, 200, page.headers);
  const cbvFormat = cbvXmlFormatOf(c);
  const xml = queryDocumentXml(page.rows, {
    format: epcFormatOf(c),
    cbvFormat,
    now: c.var.deps.clock.now(),
    ...(queryName ? { queryName } : {}),
  });
  return c.body(xml, 200, {
    ...page.headers,
    "Content-Type": "application/xml; charset=utf-8",
    "GS1-CBV-XML-Format": cbvFormat,
  });
}

export async function answerQuery(
  c: Context<AppEnv>,
  params: QueryParams,
  options: { fixed?: SQL; queryName?: string } = {},
): Promise<Response> {
  return respondWithPage(c, await queryPage(c, params, options), options.queryName);
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
          Accept: z.string().optional().openapi({
            description: "application/xml (or text/xml) for EPCIS 2.0 XML; JSON-LD otherwise",
          }),
          "GS1-CBV-XML-Format": z
            .enum(["No_Preference", "Always_Web_URI", "Always_URN", "Never_Translates"])
            .optional()
            .openapi({
              description:
                "XML answers only: CBV values as URNs (No_Preference, Always_URN), CBV 2.0 web URIs (Always_Web_URI), or as stored (Never_Translates; a bare CBV term becomes its URN)",
            }),
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
    const page = await queryPage(c, params);
    if (page.count === 0) {
      throw new AppError("not_found", `no event has the eventID ${eventID}`, {
        epcisException: "epcisException:NoSuchResourceException",
      });
    }
    return respondWithPage(c, page);
  });

  router.openAPIRegistry.registerPath({
    method: "get",
    path: "/epcis/epcs",
    operationId: "epcisEpcs",
    summary: "Every identifier events name (EPCs, parents, classes), in order, a page at a time",
    description:
      "GS1 keys as Digital Links (or EPC URNs with `GS1-EPC-Format: Always_EPC_URN`), other identifiers as sent. Each is the `{epc}` of `/epcis/epcs/{epc}/events`.",
    tags,
    request: {
      query: z.object({ perPage: z.string().optional(), nextPageToken: z.string().optional() }),
    },
    responses: collectionResponse,
  });
  router.get("/epcis/epcs", async (c) => {
    await requireReader(c);
    const format = epcFormatOf(c);
    const params = urlParams(c);
    const perPage = perPageOf(params);
    const after = params.get("nextPageToken")?.[0];
    const rows = await c.var.deps.db
      .selectDistinct({ key: eventSubjects.subjectKey })
      .from(eventSubjects)
      .where(
        and(
          ne(eventSubjects.role, "context"),
          after ? gt(eventSubjects.subjectKey, after) : undefined,
        ),
      )
      .orderBy(asc(eventSubjects.subjectKey))
      .limit(perPage + 1);
    const page = rows.slice(0, perPage).map((r) => r.key);
    const headers: Record<string, string> = { "GS1-EPC-Format": format };
    if (rows.length > perPage) {
      const next = new URL(c.req.url);
      next.searchParams.set("nextPageToken", page[page.length - 1]!);
      headers.Link = `<${next.pathname}${next.search}>; rel="next"`;
    }
    const shown = page.map((key) => {
      const uri = key.startsWith("/") ? epcOf(key) : key;
      return format === "Always_EPC_URN" ? toEpcUrn(uri) : uri;
    });
    return c.json(collection(shown), 200, headers);
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
