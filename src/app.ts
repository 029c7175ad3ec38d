// createApp(deps): the whole service as one runtime-agnostic Hono app.
import { Scalar } from "@scalar/hono-api-reference";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { methodNotAllowed } from "hono/method-not-allowed";
import { secureHeaders } from "hono/secure-headers";
import { alertRoutes } from "./features/alerts/routes";
import { complaintRoutes } from "./features/complaints/routes";
import { consoleRoutes } from "./features/console/routes";
import { creditRoutes } from "./features/credit/routes";
import { keepCreditSummaries } from "./features/credit/summaries";
import { dashboardRoutes } from "./features/dashboard/routes";
import { epcisRoutes } from "./features/epcis/routes";
import { eventRoutes } from "./features/events/routes";
import { saleBatcher } from "./features/events/sale-batch";
import { feedbackRoutes } from "./features/feedback/routes";
import { healthRoutes } from "./features/health/routes";
import { inspectionRoutes } from "./features/inspections/routes";
import { listRoutes } from "./features/lists/routes";
import { logRoutes } from "./features/log/routes";
import { orgRoutes } from "./features/orgs/routes";
import { pageRoutes } from "./features/pages/routes";
import { productRoutes } from "./features/products/routes";
import { recallRoutes } from "./features/recalls/routes";
import { resolverRoutes } from "./features/resolver/routes";
import { scanWriter } from "./features/scans/service";
import { traceRoutes } from "./features/trace/routes";
import type { AppDeps, AppEnv } from "./lib/context";
import { AppError, problemResponse } from "./lib/errors";
import { randomUuid } from "./lib/random";
import { replicaReads } from "./lib/read-replica";
import { createRouter } from "./lib/router";

export const SERVICE_VERSION = "0.1.0";

/** Accepts a caller's request id only when it is short and plain, so it cannot poison the logs. */
const safeRequestId = (value: string | undefined) =>
  value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : undefined;

function toAppError(c: Context<AppEnv>, error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 400 && /json/i.test(error.message)) {
      return new AppError("malformed_json", "the request body is not valid JSON");
    }
    if (error.status === 413) return new AppError("payload_too_large", error.message);
    if (error.status === 401) return new AppError("unauthorized", error.message || "unauthorized");
    if (error.status < 500) return new AppError("bad_request", error.message || "bad request");
  }
  // Anything else is a bug or an outage: log it whole, tell the client nothing internal.
  c.var.deps.logger.error("unhandled error", {
    requestId: c.var.requestId,
    path: c.req.path,
    error:
      error instanceof Error
        ? {
            name: error.name,
            message: error.message,
            stack: error.stack,
            // A failed query wraps the database's own error, which says what went wrong.
            cause: error.cause instanceof Error ? error.cause.message : undefined,
          }
        : String(error),
  });
  return new AppError(
    "internal",
    "something went wrong on our side; quote the request id if you report it",
  );
}

export function createApp(given: AppDeps) {
  // Group commit of sales and of scan records, on the primary, unless switched off or given.
  const window = given.config.GROUP_COMMIT_MS;
  const deps: AppDeps =
    window === 0
      ? given
      : {
          ...given,
          sales: given.sales ?? saleBatcher(given.db, window),
          scans: given.scans ?? scanWriter(given.db, window),
        };
  const app = createRouter();
  keepCreditSummaries(deps.db, deps.config.CREDIT_REFRESH_SECONDS > 0);
  // Pages read from the replica too: they show its copy of the stored grades, never compute them.
  if (deps.replica) keepCreditSummaries(deps.replica.db, deps.config.CREDIT_REFRESH_SECONDS > 0);

  app.use(async (c, next) => {
    const requestId = safeRequestId(c.req.header("X-Request-Id")) ?? randomUuid();
    c.set("requestId", requestId);
    c.set("deps", deps);
    const started = performance.now();
    await next();
    c.res.headers.set("X-Request-Id", requestId);
    deps.logger.info("request", {
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
  });
  if (deps.replica) app.use(replicaReads(deps.replica, async (request) => app.fetch(request)));
  app.use(secureHeaders({ crossOriginResourcePolicy: "cross-origin" }));
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        problemResponse(
          c,
          new AppError(
            "method_not_allowed",
            `${c.req.method} is not allowed on ${c.req.path}; allowed: ${methods.join(", ")}`,
            {},
            { Allow: methods.join(", ") },
          ),
        ),
    }),
  );
  // Reads of public data may come from any site (scan pages, other traceability portals).
  const publicCors = cors({
    origin: "*",
    allowMethods: ["GET", "HEAD", "OPTIONS"],
    exposeHeaders: ["X-Request-Id", "Link", "GS1-EPCIS-Version", "GS1-CBV-Version"],
    maxAge: 86400,
  });
  for (const path of ["/v1/*", "/01/*", "/gtin/*", "/.well-known/*", "/openapi.json"])
    app.use(path, publicCors);
  // Bulk writes (events over 100,000 items, EPCIS documents, report PDFs, the console's file
  // uploads, whose paths end in /upload or /picture) get the upload limit.
  const bulkPaths =
    /^\/(v1\/events|v1\/products\/[^/]+\/(lots\/[^/]+\/items|picture)|v1\/inspections|epcis\/|console\/.+\/(upload|picture)$)/;
  const limits = [deps.config.BODY_LIMIT_BYTES, deps.config.UPLOAD_LIMIT_BYTES].map((maxSize) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new AppError(
          "payload_too_large",
          `the request body exceeds the limit of ${maxSize} bytes`,
          {
            limit: maxSize,
          },
        );
      },
    }),
  );
  app.use("*", (c, next) => limits[bulkPaths.test(c.req.path) ? 1 : 0]!(c, next));

  app.route("/", healthRoutes);
  app.route("/", orgRoutes);
  app.route("/", productRoutes);
  // Before eventRoutes: its receipt-code lockout guards POST /v1/receipts/confirm.
  app.route("/", feedbackRoutes);
  app.route("/", eventRoutes);
  app.route("/", logRoutes);
  app.route("/", epcisRoutes);
  app.route("/", inspectionRoutes);
  app.route("/", recallRoutes);
  app.route("/", traceRoutes);
  app.route("/", resolverRoutes);
  app.route("/", pageRoutes);
  app.route("/", alertRoutes);
  app.route("/", dashboardRoutes);
  app.route("/", creditRoutes);
  app.route("/", listRoutes);
  app.route("/", complaintRoutes);
  app.route("/", consoleRoutes);
  app.get("/assets/*", async (c) => {
    const asset = await deps.loadAsset?.(c.req.path.slice("/assets/".length));
    if (!asset) throw new AppError("not_found", `no asset at ${c.req.path}`);
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": asset.contentType,
      "Cache-Control": "public, max-age=86400",
    });
  });

  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "An organisation's API key: `Authorization: Bearer zs_...`",
  });
  let document: unknown;
  app.get("/openapi.json", (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "zhuisu 追溯 API",
        version: SERVICE_VERSION,
        description:
          "Traceability of key goods: GS1 identifiers, an EPCIS 2.0 event ledger with a signed Merkle log, consumer scan pages, inspections, recalls, integrity alerts and evidence-based credit.",
      },
      security: [{ apiKey: [] }],
    });
    return c.json(document);
  });
  app.get(
    "/docs",
    Scalar({
      url: "/openapi.json",
      pageTitle: "zhuisu 追溯 API",
      ...(deps.scalarBundleUrl ? { cdn: deps.scalarBundleUrl } : {}),
    }),
  );

  app.notFound((c) =>
    problemResponse(c, new AppError("not_found", `nothing is at ${c.req.method} ${c.req.path}`)),
  );
  app.onError((error, c) => problemResponse(c, toAppError(c, error)));
  return app;
}

export type App = ReturnType<typeof createApp>;
