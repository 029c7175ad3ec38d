// Master data reads: GET /epcis/vocabularies (types), /{type} (its elements, a page at a time), /{type}/{id} (one, with its history).
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, desc, eq, gt } from "drizzle-orm";
import type { Context } from "hono";
import { epcisVocabularyElements, epcisVocabularyHistory } from "../../db/schema";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { authErrorResponses, notFoundResponse } from "../../lib/router";
import { collection, requireReader } from "./http";
import { elementKey } from "./master-data";
import { DEFAULT_PER_PAGE, MAX_PER_PAGE } from "./query";

const tags = ["EPCIS 2.0"];

const Attribute = z.object({ id: z.string(), attribute: z.unknown().optional() });
const VocabularyElement = z
  .object({
    id: z.string(),
    attributes: z.array(Attribute),
    children: z.array(z.string()),
  })
  .openapi("VocabularyElement");
const Vocabulary = z
  .object({ type: z.string(), vocabularyElementList: z.array(VocabularyElement) })
  .openapi("Vocabulary");
const VocabularyElementDetail = VocabularyElement.extend({
  type: z.string(),
  owner: z.string().openapi({ description: "the organisation that first described it" }),
  version: z.number().int(),
  updatedAt: z.string(),
  history: z.array(
    z.object({
      version: z.number().int(),
      id: z.string(),
      attributes: z.array(Attribute),
      children: z.array(z.string()),
      by: z.string(),
      captureID: z.string().nullable(),
      recordedAt: z.string(),
    }),
  ),
}).openapi("VocabularyElementDetail");

/** `BusinessLocation` is short for `urn:epcglobal:epcis:vtype:BusinessLocation`. */
const vocabularyType = (value: string) =>
  value.includes(":") ? value : `urn:epcglobal:epcis:vtype:${value}`;

const noSuchElement = (what: string) =>
  new AppError("not_found", `no master data for ${what}`, {
    epcisException: "epcisException:NoSuchResourceException",
  });

function perPageOf(c: Context<AppEnv>): number {
  const raw = c.req.query("perPage");
  if (raw === undefined) return DEFAULT_PER_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new AppError("query_parameter", `perPage must be a positive integer (got '${raw}')`, {
      epcisException: "epcisException:QueryParameterException",
    });
  }
  return Math.min(n, MAX_PER_PAGE);
}

const elementView = (r: typeof epcisVocabularyElements.$inferSelect) => ({
  id: r.elementId,
  attributes: r.attributes,
  children: r.children,
});

export function registerVocabularyRoutes(router: OpenAPIHono<AppEnv>): void {
  router.openAPIRegistry.registerPath({
    method: "get",
    path: "/epcis/vocabularies",
    operationId: "epcisVocabularies",
    summary: "Vocabulary types with master data (captured in documents' epcisHeader)",
    tags,
    responses: {
      200: {
        description: "A Collection of vocabulary type URIs",
        content: { "application/json": { schema: z.object({ member: z.array(z.string()) }) } },
      },
      ...authErrorResponses,
    },
  });
  router.get("/epcis/vocabularies", async (c) => {
    await requireReader(c);
    const rows = await c.var.deps.db
      .selectDistinct({ type: epcisVocabularyElements.type })
      .from(epcisVocabularyElements)
      .orderBy(asc(epcisVocabularyElements.type));
    return c.json(collection(rows.map((r) => r.type)), 200);
  });

  router.openAPIRegistry.registerPath({
    method: "get",
    path: "/epcis/vocabularies/{type}",
    operationId: "epcisVocabulary",
    summary: "The elements of one vocabulary with their attributes and children, a page at a time",
    description:
      '`type` is the vocabulary type URI (URL-encoded) or its last part (`BusinessLocation`, `ReadPoint`, `EPCClass`…). The next page is in `Link: <…>; rel="next"`.',
    tags,
    request: {
      params: z.object({ type: z.string() }),
      query: z.object({ perPage: z.string().optional(), nextPageToken: z.string().optional() }),
    },
    responses: {
      200: {
        description: "The vocabulary",
        content: { "application/json": { schema: Vocabulary } },
      },
      ...authErrorResponses,
    },
  });
  router.get("/epcis/vocabularies/:type", async (c) => {
    await requireReader(c);
    const type = vocabularyType(c.req.param("type"));
    const perPage = perPageOf(c);
    const after = c.req.query("nextPageToken");
    const rows = await c.var.deps.db
      .select()
      .from(epcisVocabularyElements)
      .where(
        and(
          eq(epcisVocabularyElements.type, type),
          after ? gt(epcisVocabularyElements.key, after) : undefined,
        ),
      )
      .orderBy(asc(epcisVocabularyElements.key))
      .limit(perPage + 1);
    const page = rows.slice(0, perPage);
    const headers: Record<string, string> = {};
    if (rows.length > perPage) {
      const next = new URL(c.req.url);
      next.searchParams.set("nextPageToken", page[page.length - 1]!.key);
      headers.Link = `<${next.pathname}${next.search}>; rel="next"`;
    }
    return c.json({ type, vocabularyElementList: page.map(elementView) }, 200, headers);
  });

  router.openAPIRegistry.registerPath({
    method: "get",
    path: "/epcis/vocabularies/{type}/{id}",
    operationId: "epcisVocabularyElement",
    summary:
      "One vocabulary element (id URL-encoded, any spelling of a GS1 key) with every version of it",
    tags,
    request: { params: z.object({ type: z.string(), id: z.string() }) },
    responses: {
      200: {
        description: "The element, its owner and its history, oldest version first",
        content: { "application/json": { schema: VocabularyElementDetail } },
      },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  router.get("/epcis/vocabularies/:type/:id{.+}", async (c) => {
    await requireReader(c);
    const type = vocabularyType(c.req.param("type"));
    const id = c.req.param("id");
    const key = elementKey(id);
    const { db } = c.var.deps;
    const [row] = await db
      .select()
      .from(epcisVocabularyElements)
      .where(and(eq(epcisVocabularyElements.type, type), eq(epcisVocabularyElements.key, key)));
    if (!row) throw noSuchElement(`${id} in ${type}`);
    const history = await db
      .select()
      .from(epcisVocabularyHistory)
      .where(and(eq(epcisVocabularyHistory.type, type), eq(epcisVocabularyHistory.key, key)))
      .orderBy(desc(epcisVocabularyHistory.version))
      .limit(100);
    return c.json(
      {
        type,
        ...elementView(row),
        owner: row.ownerOrgId,
        version: row.version,
        updatedAt: row.updatedAt.toISOString(),
        history: history.reverse().map((h) => ({
          version: h.version,
          id: h.elementId,
          attributes: h.attributes,
          children: h.children,
          by: h.orgId,
          captureID: h.captureId,
          recordedAt: h.recordedAt.toISOString(),
        })),
      },
      200,
    );
  });
}
