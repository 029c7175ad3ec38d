// The GS1-conformant resolver on /01/…: the scan page by default, link types by redirect, JSON and linksets.
import { and, desc, eq, isNotNull } from "drizzle-orm";
import type { Context } from "hono";
import { decompressDigitalLinkSegment, formatDigitalLinkUri } from "../../codes";
import { publicBaseUrl } from "../../config";
import { inspections } from "../../db/schema";
import type { Db } from "../../db/types";
import type { AppEnv } from "../../lib/context";
import { AppError, problemResponse } from "../../lib/errors";
import { createRouter } from "../../lib/router";
import { pickLang } from "../pages/i18n";
import { errorPageResponse, resolverHeaders, scanPageResponse } from "../pages/render";
import { limitClient } from "../scans/fingerprint";
import { recordItemScan, recordUnknownSerialScan, scanStats } from "../scans/service";
import { describeResolver, LINKSET_CONTEXT_PATH, LINKSET_TYPE } from "./describe";
import {
  type Level,
  type LevelLinks,
  levelKeys,
  linkset,
  linksOf,
  parseLinkType,
  withQuery,
} from "./links";
import { lookupScan } from "./lookup";
import { negotiate } from "./negotiate";
import { parseScanPath, resolveScan } from "./resolve";
import { buildScanView, openRecalls, type Resolved, reportUrl } from "./view";

async function latestReportUrl(db: Db, lotId: string): Promise<string | null> {
  const [row] = await db
    .select({ id: inspections.id, pdfSha256: inspections.pdfSha256 })
    .from(inspections)
    .where(and(eq(inspections.lotId, lotId), isNotNull(inspections.pdfSha256)))
    .orderBy(desc(inspections.issueDate), desc(inspections.createdAt))
    .limit(1);
  return row ? reportUrl(row) : null;
}

/** The links of every level from the GTIN down to what was scanned (an item brings its lot). */
async function levelsOf(db: Db, base: string, resolved: Resolved) {
  const { code, product, lot, item } = resolved;
  const report = lot ? await latestReportUrl(db, lot.id) : null;
  const title = product.nameEn ? `${product.nameZh} / ${product.nameEn}` : product.nameZh;
  return levelKeys(product.gtin, lot?.lot, item?.serial)
    .filter((l) => l.level !== "lot" || code.level !== "product")
    .map(({ level, key }) => {
      const l: Level = { level, key, reportUrl: level === "product" ? null : report };
      return { level: l, links: linksOf(l, base, title) as LevelLinks, title };
    });
}

interface Request {
  path: string;
  params: URLSearchParams;
  lang: ReturnType<typeof pickLang>;
  wanted: ReturnType<typeof negotiate>;
}

/** The Digital Link a request names: its own URL, or the uncompressed form of a compressed one. */
interface Target {
  readonly path: string;
  readonly search: string;
}

function describeRequest(c: Context<AppEnv>, target?: Target): Request {
  const url = new URL(c.req.url);
  if (target) {
    url.pathname = target.path;
    url.search = target.search;
  }
  const params = url.searchParams;
  const linkType = params.get("linkType");
  return {
    path: url.pathname,
    params,
    lang: pickLang(params.get("lang") ?? undefined, c.req.header("Accept-Language")),
    wanted:
      linkType === "linkset" || linkType === "all" ? "linkset" : negotiate(c.req.header("Accept")),
  };
}

/** A failure as the client wants it: a page for browsers, problem+json for programs. */
async function failure(
  c: Context<AppEnv>,
  req: Request,
  error: AppError,
  page: "bad_code" | "not_registered" | "rate_limited",
): Promise<Response> {
  if (req.wanted !== "html") return problemResponse(c, error);
  const codeError = error.extras.codeError as Parameters<typeof errorPageResponse>[1]["codeError"];
  return errorPageResponse(c, {
    lang: req.lang,
    path: req.path,
    params: req.params,
    kind: page,
    detail: error.detail,
    status: error.status,
    ...(codeError ? { codeError } : {}),
    headers: error.headers,
  });
}

async function resolve(c: Context<AppEnv>, target?: Target): Promise<Response> {
  const req = describeRequest(c, target);
  const { db, clock, config } = c.var.deps;
  // The scan's own record goes to the primary when the page is read from a replica.
  const writeDb = c.var.deps.writeDb ?? db;
  const base = publicBaseUrl(config);
  let fingerprint: string;
  try {
    fingerprint = await limitClient(c, "scan");
  } catch (error) {
    if (error instanceof AppError) return failure(c, req, error, "rate_limited");
    throw error;
  }
  const parsed = parseScanPath(
    req.path,
    target ? target.search : new URL(c.req.url).search.slice(1),
  );
  if (!parsed.ok) {
    const error = new AppError(
      "invalid_code",
      `not a valid GS1 Digital Link: ${parsed.error.message}`,
      {
        codeError: parsed.error,
      },
    );
    return failure(c, req, error, "bad_code");
  }
  const code = parsed.code;
  // A HEAD is a probe of the resolver, not a person scanning: it is not counted.
  const isScan = c.req.method === "GET";
  const lookup = await lookupScan(db, code, clock.now().toISOString().slice(0, 10));
  if (!lookup.found) {
    const resolution = lookup;
    if (resolution.product && code.level === "lot") {
      // A lot that is not registered walks up to its product (GS1 resolver: every key qualifier of a
      // supported key is supported), so a code printed with a batch we were not told of still resolves.
      return c.body(null, 307, {
        ...resolverHeaders(c, `/01/${code.gtin}`),
        "Cache-Control": "no-store",
        Location: withQuery(`${base}/01/${code.gtin}`, req.params),
      });
    }
    if (isScan && resolution.product && code.level === "item" && code.serial !== undefined) {
      await recordUnknownSerialScan(
        writeDb,
        { now: clock.now(), fingerprint },
        { gtin: code.gtin!, serial: code.serial, ownerOrgId: resolution.product.ownerOrgId },
      );
    }
    const error = new AppError(
      "not_found",
      `${resolution.missing} is not registered with this service; a code that was never issued may be counterfeit`,
      { registered: false, key: code.key },
      resolverHeaders(c, code.key),
    );
    return failure(c, req, error, "not_registered");
  }
  const { resolved } = lookup.resolution;
  const headers = { ...resolverHeaders(c, code.key), "Cache-Control": "no-store" };

  const linkTypeParam = req.params.get("linkType");
  if (req.wanted === "linkset") {
    const body = linkset(await levelsOf(db, base, resolved), base);
    const out = new Headers({ ...headers, "Content-Type": LINKSET_TYPE });
    out.append(
      "Link",
      `<${base}${LINKSET_CONTEXT_PATH}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`,
    );
    return new Response(c.req.method === "HEAD" ? null : JSON.stringify(body), {
      status: 200,
      headers: out,
    });
  }
  if (linkTypeParam !== null) {
    const type = parseLinkType(linkTypeParam);
    if (!type) {
      return failure(
        c,
        req,
        new AppError(
          "not_found",
          `link type ${linkTypeParam} is not served here; /.well-known/gs1resolver lists those that are`,
          { linkType: linkTypeParam },
          headers,
        ),
        "not_registered",
      );
    }
    if (type !== "pip") {
      // The level scanned first, then up towards the GTIN.
      const levels = (await levelsOf(db, base, resolved)).reverse();
      const target = levels.map((l) => l.links[type]).find((t) => t !== undefined);
      if (!target) {
        return failure(
          c,
          req,
          new AppError(
            "not_found",
            `${code.key} has no gs1:${type} link yet`,
            { linkType: type },
            headers,
          ),
          "not_registered",
        );
      }
      return c.body(null, 307, { ...headers, Location: withQuery(target.href, req.params) });
    }
  }

  let stats = null;
  if (resolved.item) {
    const item = resolved.item;
    if (isScan) {
      const scanned = {
        id: item.id,
        key: code.key,
        gtin: item.gtin,
        serial: item.serial,
        state: item.state,
        ownerOrgId: resolved.product.ownerOrgId,
      };
      const scanCtx = { now: clock.now(), fingerprint };
      // The batched writer shares a statement and a commit with concurrent scans (on the primary).
      const { scans } = c.var.deps;
      const recorded = scans
        ? await scans.record(scanCtx, scanned)
        : await recordItemScan(writeDb, scanCtx, scanned);
      stats = recorded.stats;
    } else {
      stats = await scanStats(db, item.id);
    }
  }
  const view = await buildScanView(
    db,
    { clock, baseUrl: base, scans: stats },
    resolved,
    lookup.parties,
  );
  if (req.wanted === "json") return c.json(view, 200, headers);
  return scanPageResponse(c, {
    lang: req.lang,
    path: req.path,
    params: req.params,
    resolved,
    view,
    receiptCode: req.params.get("receipt"),
    message: null,
    checkCode: true,
  });
}

export const resolverRoutes = createRouter();
describeResolver(resolverRoutes);

resolverRoutes.get("/v1/recall-status/:key{.+}", async (c) => {
  const parsed = parseScanPath(`/${c.req.param("key")}`, "");
  if (!parsed.ok) {
    throw new AppError("invalid_code", `not a valid GS1 Digital Link: ${parsed.error.message}`, {
      codeError: parsed.error,
    });
  }
  const { db } = c.var.deps;
  const resolution = await resolveScan(db, parsed.code);
  if (!resolution.found) {
    throw new AppError("not_found", `${resolution.missing} is not registered with this service`, {
      registered: false,
    });
  }
  const { product, lot, item } = resolution.resolved;
  const open = await openRecalls(db, product.gtin, lot);
  return c.json(
    {
      key: parsed.code.key,
      recalled:
        Boolean(item?.recalled || lot?.recalled) ||
        (lot ? open.length > 0 : open.some((r) => r.wholeProduct)),
      nonConforming: lot?.nonConforming ?? false,
      recalls: open.map((r) => ({
        id: r.id,
        level: r.level,
        reason: r.reason,
        instructions: r.instructions,
        contacts: r.contacts,
        wholeProduct: r.wholeProduct,
        createdAt: r.createdAt.toISOString(),
      })),
    },
    200,
  );
});

resolverRoutes.get("/01/*", (c) => resolve(c));
// The deprecated convenience alpha of (01), still printed on some older labels.
resolverRoutes.get("/gtin/*", (c) => resolve(c));

/**
 * A compressed Digital Link (one base64url segment) is answered as its uncompressed form, which
 * the Link header names as the same thing. A segment that does not decompress is left to the
 * routes after this one (and so to the 404 page).
 */
resolverRoutes.get("/:compressed{[A-Za-z0-9_-]+}", async (c, next) => {
  const parts = decompressDigitalLinkSegment(c.req.param("compressed"));
  if (!parts.ok) return next();
  const uncompressed = formatDigitalLinkUri({ ...parts.value, otherParams: {} }, "");
  const q = uncompressed.indexOf("?");
  const path = q < 0 ? uncompressed : uncompressed.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : uncompressed.slice(q + 1));
  for (const [k, v] of Object.entries(parts.value.otherParams)) query.append(k, v);
  for (const [k, v] of new URL(c.req.url).searchParams) query.append(k, v);
  const search = query.toString();
  const res = await resolve(c, { path, search });
  const sameAs = `${publicBaseUrl(c.var.deps.config)}${path}${search ? `?${search}` : ""}`;
  const out = new Response(res.body, res);
  out.headers.append("Link", `<${sameAs}>; rel="owl:sameAs"`);
  // CORS as on /01/… (set here: a middleware on every one-segment path would reach the console).
  out.headers.set("Access-Control-Allow-Origin", "*");
  out.headers.set("Access-Control-Expose-Headers", "X-Request-Id, Link");
  return out;
});

/** The CORS preflight of a compressed Digital Link, answered as on /01/… when it decompresses. */
resolverRoutes.options("/:compressed{[A-Za-z0-9_-]+}", (c, next) => {
  if (!decompressDigitalLinkSegment(c.req.param("compressed")).ok) return next();
  return c.body(null, 204, {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": c.req.header("Access-Control-Request-Headers") ?? "",
    "Access-Control-Max-Age": "86400",
    Allow: "GET, HEAD, OPTIONS",
  });
});
