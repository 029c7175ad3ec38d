// The regulator's dashboard as JSON: the same figures the console draws, inside the caller's jurisdiction.
import { createRoute } from "@hono/zod-openapi";
import { requireWriter } from "../../lib/auth";
import { authErrorResponses, createRouter, errorResponses, json } from "../../lib/router";
import { Dashboard } from "./schemas";
import { dashboardData } from "./service";

export const dashboardRoute = createRoute({
  method: "get",
  path: "/v1/dashboard",
  operationId: "regulatorDashboard",
  summary:
    "Scans per day and region, alerts by rule per week, cloned-code hot spots, sellers' credit grades and recalls under way, inside the regulator's jurisdiction",
  tags: ["Integrity alerts"],
  responses: {
    200: json(Dashboard, "The figures"),
    ...authErrorResponses,
    ...errorResponses,
  },
});

export const dashboardRoutes = createRouter().openapi(dashboardRoute, async (c) => {
  const caller = await requireWriter(c, "regulator");
  return c.json(await dashboardData(c.var.deps.db, c.var.deps.clock, caller.org), 200);
});
