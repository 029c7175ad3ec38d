// Liveness and readiness probes for load balancers and orchestrators.
import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "../../lib/errors";
import { createRouter, problemResponseSpec } from "../../lib/router";

const Health = z.object({ status: z.literal("ok") }).openapi("Health");
const Ready = z
  .object({ status: z.literal("ready"), database: z.enum(["pglite", "postgres"]) })
  .openapi("Ready");

export const healthz = createRoute({
  method: "get",
  path: "/healthz",
  operationId: "healthz",
  summary: "The process is up",
  tags: ["Operations"],
  security: [],
  responses: { 200: { description: "Up", content: { "application/json": { schema: Health } } } },
});

export const readyz = createRoute({
  method: "get",
  path: "/readyz",
  operationId: "readyz",
  summary: "The database answers",
  tags: ["Operations"],
  security: [],
  responses: {
    200: { description: "Ready", content: { "application/json": { schema: Ready } } },
    503: problemResponseSpec("The database does not answer"),
  },
});

export const healthRoutes = createRouter()
  .openapi(healthz, (c) => c.json({ status: "ok" as const }, 200))
  .openapi(readyz, async (c) => {
    const { ping, dbKind, logger } = c.var.deps;
    try {
      await ping();
    } catch (error) {
      logger.warn("readiness check failed", { error: String(error) });
      throw new AppError("service_unavailable", "the database does not answer");
    }
    return c.json({ status: "ready" as const, database: dbKind }, 200);
  });
