// Recall routes: the brand owner or a regulator recalls lots or a product; anyone reads the notice.
import { createRoute } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { publicBaseUrl } from "../../config";
import { products } from "../../db/schema";
import { hasRole, optionalCaller, requireCaller, requireWriter } from "../../lib/auth";
import type { AppEnv } from "../../lib/context";
import {
  authErrorResponses,
  body,
  conflictResponse,
  createRouter,
  errorResponses,
  json,
  notFoundResponse,
  optionalKey,
} from "../../lib/router";
import {
  CloseRecallBody,
  CreateRecallBody,
  RecalledUnitPage,
  RecalledUnitsQuery,
  RecallIdParam,
  RecallListQuery,
  RecallPage,
  RecallReport,
} from "./schemas";
import { closeRecall, createRecall, getRecallRow } from "./service";
import { effectiveness, listRecalls, recalledUnits, recallViews } from "./views";

const tags = ["Recalls"];
const keyed = [{ apiKey: [] }];

export const createRecallRoute = createRoute({
  method: "post",
  path: "/v1/recalls",
  operationId: "createRecall",
  summary: "Recall lots of a product, or the whole product (its brand owner or a regulator)",
  description: [
    "In one transaction: the lots (every lot of the product when `lots` is omitted) and every unit of them, wherever it is in the chain, are flagged recalled (sales are refused from then on, the scan page warns), and a recalling event (disposition `recalled`, persistentDisposition set `recalled`) is appended to the ledger.",
    "",
    "A whole-product recall covers the lots registered when it is made; no item can be commissioned into a recalled lot.",
  ].join("\n"),
  tags,
  security: keyed,
  request: { body: body(CreateRecallBody) },
  responses: {
    201: json(RecallReport, "Recalled"),
    ...authErrorResponses,
    ...conflictResponse,
    ...errorResponses,
  },
});

export const listRecallsRoute = createRoute({
  method: "get",
  path: "/v1/recalls",
  operationId: "listRecalls",
  summary: "Recall notices, newest first; of a product, lot or item with `code`",
  tags,
  security: [],
  request: { query: RecallListQuery },
  responses: { 200: json(RecallPage, "A page of recalls"), ...errorResponses },
});

export const getRecallRoute = createRoute({
  method: "get",
  path: "/v1/recalls/{id}",
  operationId: "getRecall",
  summary: "A recall and its effectiveness: units by state, by lot and who holds them",
  description:
    "The notice and the unit counts are public. `effectiveness.holders` (which organisations hold how many units) is shown to the brand owner, the initiator, inspectors and regulators.",
  tags,
  security: optionalKey,
  request: { params: RecallIdParam },
  responses: {
    200: json(RecallReport, "The recall"),
    ...notFoundResponse,
    ...errorResponses,
  },
});

export const closeRecallRoute = createRoute({
  method: "post",
  path: "/v1/recalls/{id}/close",
  operationId: "closeRecall",
  summary: "Close a recall with the reason: completed (units stay recalled) or withdrawn (lifted)",
  tags,
  security: keyed,
  request: { params: RecallIdParam, body: body(CloseRecallBody) },
  responses: {
    200: json(RecallReport, "Closed"),
    ...authErrorResponses,
    ...notFoundResponse,
    ...conflictResponse,
    ...errorResponses,
  },
});

export const myRecalledUnitsRoute = createRoute({
  method: "get",
  path: "/v1/me/recalled-units",
  operationId: "listMyRecalledUnits",
  summary: "Recalled units in the caller's custody (or that it sold, with `relation=sold`)",
  tags,
  security: keyed,
  request: { query: RecalledUnitsQuery },
  responses: {
    200: json(RecalledUnitPage, "A page of units"),
    ...authErrorResponses,
    ...errorResponses,
  },
});

/** The recall with its effectiveness, holders shown to those who work the recall. */
async function report(c: Context<AppEnv>, id: string) {
  const { db, config } = c.var.deps;
  const row = await getRecallRow(db, id);
  const caller = await optionalCaller(c);
  let showHolders = false;
  if (caller && caller.org.status === "verified") {
    const [product] = await db
      .select({ owner: products.ownerOrgId })
      .from(products)
      .where(eq(products.gtin, row.gtin));
    showHolders =
      hasRole(caller.org, "regulator") ||
      hasRole(caller.org, "inspector") ||
      product?.owner === caller.org.id ||
      row.initiatedByOrgId === caller.org.id;
  }
  const [view] = await recallViews(db, [row], publicBaseUrl(config));
  return { ...view!, effectiveness: await effectiveness(db, row, showHolders) };
}

export const recallRoutes = createRouter()
  .openapi(createRecallRoute, async (c) => {
    const caller = await requireWriter(c, "producer", "regulator");
    const { db, clock } = c.var.deps;
    const id = await createRecall(db, { clock, caller: caller.org }, c.req.valid("json"));
    return c.json(await report(c, id), 201, { Location: `/v1/recalls/${id}` });
  })
  .openapi(listRecallsRoute, async (c) => {
    const { db, config } = c.var.deps;
    return c.json(await listRecalls(db, c.req.valid("query"), publicBaseUrl(config)), 200);
  })
  .openapi(getRecallRoute, async (c) => c.json(await report(c, c.req.valid("param").id), 200))
  .openapi(closeRecallRoute, async (c) => {
    const caller = await requireWriter(c, "producer", "regulator");
    const { db, clock } = c.var.deps;
    const { id } = c.req.valid("param");
    await closeRecall(db, { clock, caller: caller.org }, id, c.req.valid("json"));
    return c.json(await report(c, id), 200);
  })
  .openapi(myRecalledUnitsRoute, async (c) => {
    const caller = await requireCaller(c);
    return c.json(await recalledUnits(c.var.deps.db, caller.org.id, c.req.valid("query")), 200);
  });
