// Red and black list routes: decisions by regulators, the public lists, credit repair and early removal.
import { createRoute } from "@hono/zod-openapi";
import { optionalCaller, requireCaller, requireWriter } from "../../lib/auth";
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
import { creditChanged } from "../credit/summaries";
import {
  CreateListEntryBody,
  EntryIdParam,
  ListEntryPage,
  ListEntryView,
  ListQuery,
  RemovalBody,
  RepairDecisionBody,
  RepairPage,
  RepairQuery,
  RepairRequestBody,
  RepairView,
} from "./schemas";
import {
  createEntry,
  decideRepair,
  entryView,
  getEntry,
  listPublished,
  listRepairRequests,
  removeEntry,
  repairView,
  requestRepair,
} from "./service";

const tags = ["Red and black lists"];
const today = (now: Date) => now.toISOString().slice(0, 10);

export const createEntryRoute = createRoute({
  method: "post",
  path: "/v1/lists",
  operationId: "createListEntry",
  summary: "Put an organisation on the red or black list (regulator)",
  description:
    "The minimum and maximum publication dates follow from the list and severity (信用修复 rules): black minor ≤ 3 months, general 3 months to 1 year, serious 1 to 3 years; red 1 year. A black-listed seller cannot list or sell while the entry is published.",
  tags,
  request: { body: body(CreateListEntryBody) },
  responses: {
    201: json(ListEntryView, "The entry"),
    ...authErrorResponses,
    ...errorResponses,
  },
});

export const listEntriesRoute = createRoute({
  method: "get",
  path: "/v1/lists",
  operationId: "listPublishedEntries",
  summary:
    "The published red and black lists (entries within their publication window), newest first",
  tags,
  security: [],
  request: { query: ListQuery },
  responses: { 200: json(ListEntryPage, "A page of entries"), ...errorResponses },
});

export const listRepairsRoute = createRoute({
  method: "get",
  path: "/v1/lists/repairs",
  operationId: "listRepairRequests",
  summary: "Credit-repair requests: all for regulators, an organisation's own otherwise",
  tags,
  request: { query: RepairQuery },
  responses: {
    200: json(RepairPage, "A page of requests, oldest first"),
    ...authErrorResponses,
    ...errorResponses,
  },
});

export const getEntryRoute = createRoute({
  method: "get",
  path: "/v1/lists/{id}",
  operationId: "getListEntry",
  summary:
    "One list entry (public while published; with its repair requests for the organisation and regulators)",
  tags,
  security: optionalKey,
  request: { params: EntryIdParam },
  responses: {
    200: json(ListEntryView, "The entry"),
    ...notFoundResponse,
    ...authErrorResponses,
    ...errorResponses,
  },
});

export const requestRepairRoute = createRoute({
  method: "post",
  path: "/v1/lists/{id}/repair",
  operationId: "requestListRepair",
  summary:
    "Ask for credit repair of a black-list entry (the listed organisation, after the minimum period)",
  description:
    "Before `minPublishUntil` this is a 422 naming that date. One request waits at a time.",
  tags,
  request: { params: EntryIdParam, body: body(RepairRequestBody) },
  responses: {
    201: json(RepairView, "The request, waiting for a regulator"),
    ...authErrorResponses,
    ...notFoundResponse,
    ...conflictResponse,
    ...errorResponses,
  },
});

export const decideRepairRoute = createRoute({
  method: "post",
  path: "/v1/lists/{id}/repair/decision",
  operationId: "decideListRepair",
  summary:
    "Grant or reject the waiting credit-repair request (regulator); granting ends publication",
  tags,
  request: { params: EntryIdParam, body: body(RepairDecisionBody) },
  responses: {
    200: json(ListEntryView, "The entry with its requests"),
    ...authErrorResponses,
    ...notFoundResponse,
    ...conflictResponse,
    ...errorResponses,
  },
});

export const removeEntryRoute = createRoute({
  method: "post",
  path: "/v1/lists/{id}/removal",
  operationId: "removeListEntry",
  summary: "End an entry's publication early, with reason and authority (regulator)",
  tags,
  request: { params: EntryIdParam, body: body(RemovalBody) },
  responses: {
    200: json(ListEntryView, "The removed entry"),
    ...authErrorResponses,
    ...notFoundResponse,
    ...conflictResponse,
    ...errorResponses,
  },
});

export const listRoutes = createRouter()
  .openapi(createEntryRoute, async (c) => {
    const caller = await requireWriter(c, "regulator");
    const { db, clock } = c.var.deps;
    const { entry, org } = await createEntry(db, clock, caller.org, c.req.valid("json"));
    await creditChanged(c.var.deps, [org.id]);
    return c.json(entryView(entry, org, today(clock.now())), 201);
  })
  .openapi(listEntriesRoute, async (c) => {
    const { db, clock } = c.var.deps;
    return c.json(await listPublished(db, clock, c.req.valid("query")), 200);
  })
  // Registered before /v1/lists/{id} so "repairs" is never read as an id.
  .openapi(listRepairsRoute, async (c) => {
    const caller = await requireCaller(c);
    return c.json(await listRepairRequests(c.var.deps.db, caller.org, c.req.valid("query")), 200);
  })
  .openapi(getEntryRoute, async (c) => {
    const caller = await optionalCaller(c);
    const { db, clock } = c.var.deps;
    return c.json(await getEntry(db, clock, caller?.org ?? null, c.req.valid("param").id), 200);
  })
  .openapi(requestRepairRoute, async (c) => {
    // A listed organisation asks for itself even when suspended: only its key is needed.
    const caller = await requireCaller(c);
    const { db, clock } = c.var.deps;
    const repair = await requestRepair(
      db,
      clock,
      caller.org,
      c.req.valid("param").id,
      c.req.valid("json"),
    );
    return c.json(repairView(repair), 201);
  })
  .openapi(decideRepairRoute, async (c) => {
    const caller = await requireWriter(c, "regulator");
    const { db, clock } = c.var.deps;
    const { id } = c.req.valid("param");
    const { org } = await decideRepair(db, clock, caller.org, id, c.req.valid("json"));
    await creditChanged(c.var.deps, [org.id]);
    return c.json(await getEntry(db, clock, caller.org, id), 200);
  })
  .openapi(removeEntryRoute, async (c) => {
    const caller = await requireWriter(c, "regulator");
    const { db, clock } = c.var.deps;
    const { entry, org } = await removeEntry(
      db,
      clock,
      caller.org,
      c.req.valid("param").id,
      c.req.valid("json"),
    );
    await creditChanged(c.var.deps, [org.id]);
    return c.json(entryView(entry, org, today(clock.now())), 200);
  });
