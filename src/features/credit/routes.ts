// Credit route: an organisation's score, grade and the evidence behind every factor, for anyone to check.
import { createRoute } from "@hono/zod-openapi";
import { createRouter, errorResponses, notFoundResponse } from "../../lib/router";
import { OrgIdParam } from "../orgs/schemas";
import { getOrg } from "../orgs/service";
import { CreditView } from "./schemas";
import { orgCredit } from "./service";

export const getCreditRoute = createRoute({
  method: "get",
  path: "/v1/orgs/{id}/credit",
  operationId: "getOrgCredit",
  summary: "An organisation's credit: score 0-100, grade, and each factor with its evidence",
  description:
    "Computed from evidence only (verified reviews by distinct buyers, upheld complaints and answer times, inspections of its lots, confirmed alerts, commitment violations, list entries), recent evidence weighing more. The formula is in docs/credit.md.",
  tags: ["Credit"],
  security: [],
  request: { params: OrgIdParam },
  responses: {
    200: { description: "The credit", content: { "application/json": { schema: CreditView } } },
    ...notFoundResponse,
    ...errorResponses,
  },
});

export const creditRoutes = createRouter().openapi(getCreditRoute, async (c) => {
  const { db, clock } = c.var.deps;
  const org = await getOrg(db, c.req.valid("param").id);
  return c.json(await orgCredit(db, clock, org), 200);
});
