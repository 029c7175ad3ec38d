// Alert queue routes: list and read, decide, assign, respond; the thresholds; a manual run of the periodic rules.
import { createRoute } from "@hono/zod-openapi";
import { requireCaller, requireWriter } from "../../lib/auth";
import {
  authErrorResponses,
  body,
  conflictResponse,
  createRouter,
  errorResponses,
  json,
  notFoundResponse,
} from "../../lib/router";
import { assertNational } from "../orgs/jurisdiction";
import { runPeriodicRules } from "./periodic";
import {
  AlertAssignBody,
  AlertDecisionBody,
  AlertIdParam,
  AlertPage,
  AlertQuery,
  AlertResponseBody,
  AlertView,
  PeriodicRun,
} from "./schemas";
import {
  alertView,
  assignAlert,
  decideAlert,
  getAlert,
  listAlerts,
  respondToAlert,
} from "./service";
import { loadThresholds, saveThresholds, Thresholds, ThresholdsInput } from "./thresholds";

const tags = ["Integrity alerts"];

export const getThresholdsRoute = createRoute({
  method: "get",
  path: "/v1/alerts/thresholds",
  operationId: "getAlertThresholds",
  summary: "The thresholds the alert rules compare against (defaults, or a regulator's override)",
  tags,
  security: [],
  responses: { 200: json(Thresholds, "The thresholds in force"), ...errorResponses },
});

export const putThresholdsRoute = createRoute({
  method: "put",
  path: "/v1/alerts/thresholds",
  operationId: "updateAlertThresholds",
  summary: "Set the alert thresholds (regulator); fields left out return to their defaults",
  description:
    "Every number is checked: a negative one (or a ratio above 1) is a 422 naming the field, and nothing is stored. The reasons behind each default are in docs/integrity.md.",
  tags,
  request: { body: body(ThresholdsInput) },
  responses: {
    200: json(Thresholds, "The thresholds now in force"),
    ...authErrorResponses,
    ...errorResponses,
  },
});

export const runRulesRoute = createRoute({
  method: "post",
  path: "/v1/alerts/run",
  operationId: "runAlertRules",
  summary: "Run the windowed alert rules now (regulator); the service also runs them on a timer",
  tags,
  responses: {
    200: json(PeriodicRun, "Signals raised, by kind"),
    ...authErrorResponses,
    ...errorResponses,
  },
});

export const listAlertsRoute = createRoute({
  method: "get",
  path: "/v1/alerts",
  operationId: "listAlerts",
  summary:
    "The alert queue, newest first: every alert for inspectors and regulators, an organisation's own for the others",
  tags,
  request: { query: AlertQuery },
  responses: {
    200: json(AlertPage, "A page of alerts"),
    ...authErrorResponses,
    ...errorResponses,
  },
});

export const getAlertRoute = createRoute({
  method: "get",
  path: "/v1/alerts/{id}",
  operationId: "getAlert",
  summary: "One alert with its evidence, decision and the organisation's response",
  tags,
  request: { params: AlertIdParam },
  responses: {
    200: json(AlertView, "The alert"),
    ...authErrorResponses,
    ...notFoundResponse,
    ...errorResponses,
  },
});

export const decideAlertRoute = createRoute({
  method: "post",
  path: "/v1/alerts/{id}/decision",
  operationId: "decideAlert",
  summary: "Confirm or dismiss an open alert, with the reason (inspector or regulator)",
  description: "Decided once; a confirmed alert counts against the organisation's credit.",
  tags,
  request: { params: AlertIdParam, body: body(AlertDecisionBody) },
  responses: {
    200: json(AlertView, "The decided alert"),
    ...authErrorResponses,
    ...notFoundResponse,
    ...conflictResponse,
    ...errorResponses,
  },
});

export const assignAlertRoute = createRoute({
  method: "post",
  path: "/v1/alerts/{id}/assign",
  operationId: "assignAlert",
  summary: "Assign an open alert to an inspector or regulator (inspector or regulator)",
  tags,
  request: { params: AlertIdParam, body: body(AlertAssignBody) },
  responses: {
    200: json(AlertView, "The assigned alert"),
    ...authErrorResponses,
    ...notFoundResponse,
    ...conflictResponse,
    ...errorResponses,
  },
});

export const respondAlertRoute = createRoute({
  method: "post",
  path: "/v1/alerts/{id}/response",
  operationId: "respondToAlert",
  summary: "The organisation concerned answers an alert about it (once)",
  tags,
  request: { params: AlertIdParam, body: body(AlertResponseBody) },
  responses: {
    200: json(AlertView, "The alert with the response"),
    ...authErrorResponses,
    ...notFoundResponse,
    ...conflictResponse,
    ...errorResponses,
  },
});

export const alertRoutes = createRouter()
  // Registered before /v1/alerts/{id} so "thresholds" is never read as an id.
  .openapi(getThresholdsRoute, async (c) => c.json(await loadThresholds(c.var.deps.db), 200))
  .openapi(putThresholdsRoute, async (c) => {
    const caller = await requireWriter(c, "regulator");
    assertNational(caller.org, "the thresholds of the alert rules");
    const { db, clock } = c.var.deps;
    return c.json(await saveThresholds(db, clock.now(), caller.org.id, c.req.valid("json")), 200);
  })
  .openapi(runRulesRoute, async (c) => {
    const caller = await requireWriter(c, "regulator");
    assertNational(caller.org, "a run of the periodic alert rules");
    return c.json(await runPeriodicRules(c.var.deps.db, c.var.deps.clock), 200);
  })
  .openapi(listAlertsRoute, async (c) => {
    const caller = await requireCaller(c);
    return c.json(await listAlerts(c.var.deps.db, caller.org, c.req.valid("query")), 200);
  })
  .openapi(getAlertRoute, async (c) => {
    const caller = await requireCaller(c);
    return c.json(
      alertView(await getAlert(c.var.deps.db, caller.org, c.req.valid("param").id)),
      200,
    );
  })
  .openapi(decideAlertRoute, async (c) => {
    const caller = await requireWriter(c, "inspector", "regulator");
    const { db, clock } = c.var.deps;
    const row = await decideAlert(
      db,
      clock,
      caller.org,
      c.req.valid("param").id,
      c.req.valid("json"),
    );
    return c.json(alertView(row), 200);
  })
  .openapi(assignAlertRoute, async (c) => {
    const caller = await requireWriter(c, "inspector", "regulator");
    const { db, clock } = c.var.deps;
    const row = await assignAlert(
      db,
      clock,
      caller.org,
      c.req.valid("param").id,
      c.req.valid("json").orgId,
    );
    return c.json(alertView(row), 200);
  })
  .openapi(respondAlertRoute, async (c) => {
    // The organisation concerned answers for itself even when suspended: only a key is needed.
    const caller = await requireCaller(c);
    const { db, clock } = c.var.deps;
    const row = await respondToAlert(
      db,
      clock,
      caller.org,
      c.req.valid("param").id,
      c.req.valid("json").text,
    );
    return c.json(alertView(row), 200);
  });
