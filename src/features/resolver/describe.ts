// How the resolver describes itself: /.well-known/gs1resolver, and its entries in the OpenAPI document.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { publicBaseUrl } from "../../config";
import type { AppEnv } from "../../lib/context";
import { errorResponses, notFoundResponse, problemResponseSpec } from "../../lib/router";
import { LINK_TYPES } from "./links";
import { Linkset, RecallStatus, ScanView } from "./schemas";

const tags = ["Resolver"];
export const LINKSET_TYPE = "application/linkset+json";
/** The JSON-LD context that reads our linksets as linked data; linkset answers link it. */
export const LINKSET_CONTEXT_PATH = "/v1/linkset-context.jsonld";

/**
 * RFC 9264's members as JSON-LD: each context object is a node named by its anchor, each link type
 * (a GS1 Web Vocabulary URI, or `gs1:` shortened) a property whose values are the targets' hrefs.
 */
const LINKSET_CONTEXT = {
  "@context": {
    "@version": 1.1,
    gs1: "https://gs1.org/voc/",
    linkset: "@graph",
    anchor: "@id",
    href: "@id",
    title: "http://purl.org/dc/terms/title",
    type: "http://purl.org/dc/terms/format",
    hreflang: { "@id": "http://purl.org/dc/terms/language", "@container": "@set" },
    itemDescription: "http://purl.org/dc/terms/description",
  },
};

const description = (base: string) => ({
  name: "zhuisu 追溯 GS1 Digital Link resolver",
  resolverRoot: base,
  supportedPrimaryKeys: ["01"],
  supportedLinkType: [{ namespace: "https://gs1.org/voc/", prefix: "gs1:" }],
  defaultLinkType: "gs1:pip",
  linkTypeDefaultCanBeAll: false,
  supportsLanguageVariants: true,
  supportedLanguages: ["zh", "en"],
  supportedContentTypes: ["text/html", "application/json", LINKSET_TYPE],
  linksetQuery: "?linkType=linkset (or Accept: application/linkset+json)",
  compressedDigitalLinks: true,
  activeLinkTypes: {
    en: Object.fromEntries(
      Object.entries({ defaultLink: "The default link: the scan page", ...LINK_TYPES }).map(
        ([name, text]) => [
          `gs1:${name}`,
          { title: name, description: text, url: `https://gs1.org/voc/${name}` },
        ],
      ),
    ),
  },
});

const ResolverDescription = z
  .object({
    name: z.string(),
    resolverRoot: z.string(),
    supportedPrimaryKeys: z.array(z.string()),
    supportedLinkType: z.array(z.object({ namespace: z.string(), prefix: z.string() })),
    defaultLinkType: z.string(),
    linkTypeDefaultCanBeAll: z.boolean(),
    supportsLanguageVariants: z.boolean(),
    supportedLanguages: z.array(z.string()),
    supportedContentTypes: z.array(z.string()),
    linksetQuery: z.string(),
    compressedDigitalLinks: z.boolean(),
    activeLinkTypes: z.record(
      z.string(),
      z.record(
        z.string(),
        z.object({ title: z.string(), description: z.string(), url: z.string() }),
      ),
    ),
  })
  .openapi("ResolverDescription");

export const resolverDescriptionRoute = createRoute({
  method: "get",
  path: "/.well-known/gs1resolver",
  operationId: "getResolverDescription",
  summary: "What this GS1 resolver serves: its root, primary keys, link types and content types",
  tags,
  security: [],
  responses: {
    200: {
      description: "The description",
      content: { "application/json": { schema: ResolverDescription } },
    },
  },
});

export const linksetContextRoute = createRoute({
  method: "get",
  path: LINKSET_CONTEXT_PATH,
  operationId: "getLinksetContext",
  summary: "The JSON-LD context of the resolver's linksets (named in their Link header)",
  tags,
  security: [],
  responses: {
    200: {
      description: "The context",
      content: {
        "application/ld+json": {
          schema: z.object({ "@context": z.record(z.string(), z.unknown()) }),
        },
      },
    },
  },
});

/** Mounts /.well-known/gs1resolver and documents the resolver's paths (served by routes.ts). */
export function describeResolver(router: OpenAPIHono<AppEnv>): void {
  router.openapi(resolverDescriptionRoute, (c) =>
    c.json(description(publicBaseUrl(c.var.deps.config)), 200),
  );
  router.openapi(linksetContextRoute, (c) =>
    c.json(LINKSET_CONTEXT, 200, {
      "Content-Type": "application/ld+json",
      "Cache-Control": "public, max-age=86400",
    }),
  );
  router.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/recall-status/{key}",
    operationId: "getRecallStatus",
    summary:
      "Whether a product, lot or item is recalled or failed inspection, with the open recalls (gs1:recallStatus)",
    description:
      "`key` is the Digital Link path without the leading slash, e.g. `01/06901234567892/10/LOT2026A`.",
    tags,
    security: [],
    request: {
      params: z.object({ key: z.string().openapi({ example: "01/06901234567892/10/LOT2026A" }) }),
    },
    responses: {
      200: { description: "The status", content: { "application/json": { schema: RecallStatus } } },
      ...notFoundResponse,
      ...errorResponses,
    },
  });
  const resolverParams = {
    linkType: z.string().optional().openapi({
      description:
        "`gs1:pip` (default: the scan page), `gs1:certificationInfo`, `gs1:recallStatus`, `gs1:traceability`, `gs1:epcis`, `gs1:verificationService`, `gs1:review`, `gs1:leaveReview`: 307 to the link (query string passed on); `linkset` (or `all`): the RFC 9264 linkset. A link type the identifier has no link for is 404.",
    }),
    receipt: z.string().optional().openapi({
      description: "the buyer's receipt code: the page offers confirm, review and complain",
    }),
    lang: z
      .enum(["zh", "en"])
      .optional()
      .openapi({ description: "page language; default by Accept-Language, else zh" }),
  };
  const resolverResponses = {
    200: {
      description:
        "The scan page (text/html, the default), its content as JSON (Accept: application/json) or the linkset (Accept: application/linkset+json or ?linkType=linkset). Each scan of an item is counted; HEAD is not.",
      content: {
        "text/html": { schema: z.string() },
        "application/json": { schema: ScanView },
        [LINKSET_TYPE]: { schema: Linkset },
      },
    },
    307: {
      description: "Redirect to the requested link type; Location carries the query string on",
    },
    400: problemResponseSpec("Malformed Digital Link (a page saying what is wrong, for browsers)"),
    404: problemResponseSpec(
      "Well-formed but not registered (itself a counterfeit signal), or no link of that type",
    ),
    429: problemResponseSpec("Too many scans from this client; Retry-After says when to try again"),
  } as const;
  const resolverPaths = [
    { path: "/01/{gtin}", op: "resolveProduct", what: "a product (GTIN)", params: ["gtin"] },
    { path: "/01/{gtin}/10/{lot}", op: "resolveLot", what: "a lot", params: ["gtin", "lot"] },
    {
      path: "/01/{gtin}/21/{serial}",
      op: "resolveItem",
      what: "an item",
      params: ["gtin", "serial"],
    },
    {
      path: "/01/{gtin}/10/{lot}/21/{serial}",
      op: "resolveLotItem",
      what: "an item, with its lot in the path",
      params: ["gtin", "lot", "serial"],
    },
  ] as const;
  for (const p of resolverPaths) {
    router.openAPIRegistry.registerPath({
      method: "get",
      path: p.path,
      operationId: p.op,
      summary: `Resolve ${p.what}: the consumer scan page, JSON, linkset or a link type (GS1 resolver)`,
      description:
        'GET, HEAD and OPTIONS, with CORS. GS1 data attributes (e.g. `?17=261231`) may follow in the query string. GS1 URI syntax 1.6: the GTIN has 14 digits, no trailing slash; `/gtin/…/lot/…/ser/…` convenience alphas are read; a compressed Digital Link (`/{base64url}`) is answered as its uncompressed form with `Link: <…>; rel="owl:sameAs"`. Limited per client (see docs/consumer.md).',
      tags,
      security: [],
      request: {
        params: z.object(
          Object.fromEntries(p.params.map((name) => [name, z.string()])) as Record<
            string,
            z.ZodString
          >,
        ),
        query: z.object(resolverParams),
      },
      responses: resolverResponses,
    });
  }
}
