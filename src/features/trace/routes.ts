// Chain of custody in one request: backward for an item, forward for a lot, lots of a product; JSON, CSV or EPCIS.
import { z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { parseCode } from "../../codes";
import { publicBaseUrl } from "../../config";
import { type Org, products } from "../../db/schema";
import { hasRole, requireCaller } from "../../lib/auth";
import type { AppEnv } from "../../lib/context";
import { AppError, notFound } from "../../lib/errors";
import {
  authErrorResponses,
  createRouter,
  errorResponses,
  notFoundResponse,
  optionalKey,
  validationError,
} from "../../lib/router";
import { logDeps } from "../log/routes";
import { backwardTrace } from "./backward";
import { nameThePlaces, SNAPSHOT } from "./common";
import { traceCsv, traceEpcis } from "./export";
import { forwardTrace, productTrace } from "./forward";
import { exportCheckpoint } from "./ledger";
import { BackwardTrace, ForwardTrace, ProductTrace, type TraceFormat, TraceQuery } from "./schemas";

const tags = ["Chain of custody"];

export type Target =
  | { level: "item"; gtin: string; serial: string; key: string }
  | { level: "lot"; gtin: string; lot: string; key: string }
  | { level: "product"; gtin: string; key: string };

/** What a trace follows, from its key without the leading slash (`01/{gtin}/21/{serial}`). */
export function parseTarget(raw: string): Target {
  const parsed = parseCode(`/${raw}`, { gbt33993: false });
  if (!parsed.ok)
    throw new AppError("invalid_code", parsed.error.message, { parseError: parsed.error });
  const code = parsed.value;
  if (code.kind !== "gs1" || !code.gtin || code.level === "other-key") {
    throw new AppError(
      "invalid_code",
      "a trace follows a product (GTIN), a lot (GTIN + lot) or an item (GTIN + serial)",
    );
  }
  if (code.level === "item")
    return { level: "item", gtin: code.gtin, serial: code.serial!, key: code.key };
  if (code.level === "lot") return { level: "lot", gtin: code.gtin, lot: code.lot!, key: code.key };
  return { level: "product", gtin: code.gtin, key: code.key };
}

function formatOf(c: Context<AppEnv>, asked: TraceFormat | undefined): TraceFormat {
  if (asked) return asked;
  const accept = c.req.header("Accept") ?? "";
  if (/text\/csv/i.test(accept)) return "csv";
  if (/application\/ld\+json/i.test(accept)) return "epcis";
  return "json";
}

/**
 * A lot's forward trace lists every serial of it, and serials are only unguessable while they
 * are unpublished: inspectors, regulators and the brand owner may read it.
 */
export async function assertLotReader(c: Context<AppEnv>, org: Org, gtin: string, key: string) {
  const [product] = await c.var.deps.db
    .select({ owner: products.ownerOrgId })
    .from(products)
    .where(eq(products.gtin, gtin));
  if (!product) throw notFound(`lot ${key}`);
  const allowed =
    hasRole(org, "inspector") || hasRole(org, "regulator") || product.owner === org.id;
  if (!allowed || org.status !== "verified") {
    throw new AppError(
      "forbidden",
      `the forward trace of ${key} lists its serials; only verified inspectors, regulators and the brand owner may read it`,
    );
  }
}

/** The trace of a target as of a time, with the latest signed checkpoint and the places named. */
export async function readTrace(c: Context<AppEnv>, target: Target, asOf: Date | null) {
  const { db, clock, config, dbKind } = c.var.deps;
  const ctx = {
    snapshot: dbKind === "postgres" ? SNAPSHOT : undefined,
    baseUrl: publicBaseUrl(config),
    // On a replica (which set writeDb) the latest checkpoint the primary published is used:
    // events after it are listed without proofs until the next one.
    checkpoint: await exportCheckpoint(
      db,
      logDeps(c),
      config.CHECKPOINT_INTERVAL_SECONDS * 1000,
      c.var.deps.writeDb === undefined,
    ),
    now: clock.now(),
  };
  const trace =
    target.level === "item"
      ? await backwardTrace(db, ctx, target, asOf)
      : target.level === "lot"
        ? await forwardTrace(db, ctx, target, asOf)
        : await productTrace(db, ctx, target.gtin, asOf);
  if ("events" in trace) await nameThePlaces(db, trace.events);
  return trace;
}

/** A trace as the format asks: JSON (the offline-verifiable file), CSV or an EPCIS document. */
export async function traceResponse(
  c: Context<AppEnv>,
  trace: Awaited<ReturnType<typeof readTrace>>,
  format: TraceFormat,
  download = false,
): Promise<Response> {
  const name = `trace-${trace.key.slice(1).replace(/[^A-Za-z0-9]+/g, "-")}`;
  if (format === "csv") {
    return c.body(traceCsv(trace), 200, {
      "Content-Type": "text/csv; charset=utf-8; header=present",
      "Content-Disposition": `attachment; filename="${name}.csv"`,
    });
  }
  if (format === "epcis") {
    return c.body(JSON.stringify(await traceEpcis(c.var.deps.db, trace)), 200, {
      "Content-Type": "application/ld+json; charset=utf-8",
      "Content-Disposition": `${download ? "attachment" : "inline"}; filename="${name}.jsonld"`,
      "GS1-EPCIS-Version": "2.0.0",
      "GS1-CBV-Version": "2.0.0",
    });
  }
  if (download) c.header("Content-Disposition", `attachment; filename="${name}.json"`);
  return c.json(trace, 200);
}

export const traceRoutes = createRouter();

// The key is a path of several segments, so the route is registered by hand for the document.
traceRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/v1/trace/{key}",
  operationId: "traceChain",
  summary: "Chain of custody of an item (backward), a lot (forward) or a product, in one request",
  description: [
    "`key` is the Digital Link path without the leading slash (`01/{gtin}/21/{serial}`, `01/{gtin}/10/{lot}` or `01/{gtin}`); a malformed key is 400 `invalid_code`.",
    "",
    "- item: its lot, the lot's production data, inspections, recalls and every event with each actor's verified identity, and the custodians in order (public).",
    "- lot: where every unit went, by state, custodian and destination region, with the list of units (verified inspectors, regulators and the brand owner only).",
    "- product: its lots with unit counts, inspections and recalls (public).",
    "",
    "`?asOf=` replays the ledger up to that time. `?format=csv` gives one row per event with its key data elements; `?format=epcis` an EPCIS 2.0 document of the stored events. Every format carries the latest signed checkpoint and each event's inclusion proof (CSV: in `#` lines above the header).",
  ].join("\n"),
  tags,
  security: optionalKey,
  request: {
    params: z.object({ key: z.string().openapi({ example: "01/06901234567892/21/Kf3x9QmT7pLw" }) }),
    query: TraceQuery,
  },
  responses: {
    200: {
      description: "The trace",
      content: {
        "application/json": { schema: z.union([BackwardTrace, ForwardTrace, ProductTrace]) },
        "text/csv": { schema: z.string() },
        "application/ld+json": { schema: z.record(z.string(), z.unknown()) },
      },
    },
    ...authErrorResponses,
    ...notFoundResponse,
    ...errorResponses,
  },
});

traceRoutes.get("/v1/trace/:key{.+}", async (c) => {
  const target = parseTarget(c.req.param("key"));
  const query = TraceQuery.safeParse(c.req.query());
  if (!query.success) throw validationError(query.error, "query");
  const format = formatOf(c, query.data.format);
  c.header("Vary", "Accept");
  if (target.level === "lot") {
    const caller = await requireCaller(c);
    await assertLotReader(c, caller.org, target.gtin, target.key);
  }
  const asOf = query.data.asOf ? new Date(query.data.asOf) : null;
  return traceResponse(c, await readTrace(c, target, asOf), format);
});
