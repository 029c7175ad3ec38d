// Item routes: commissioning serialised items, exporting a lot's serials, reading an item, looking up any code.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  compressDigitalLink,
  encodeComponent,
  formatDigitalLink,
  type ParsedCode,
} from "../../codes";
import { hasRole, requireCaller, requireWriter } from "../../lib/auth";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { PageQuery } from "../../lib/pagination";
import {
  authErrorResponses,
  conflictResponse,
  createRouter,
  errorResponses,
  json,
  notFoundResponse,
} from "../../lib/router";
import { csvCell } from "../../lib/tabular";
import { aiParam, baseUrl, gtinParam, scannedCode } from "./edge";
import {
  CodeQuery,
  CommissionBody,
  Commissioned,
  ItemDetail,
  ItemListQuery,
  ItemPage,
  LISTED_IN_RESPONSE,
  Lookup,
  type ParsedCodeView,
} from "./item-schemas";
import { commissionLot, getItem, itemPage, lotSerialBatches } from "./items";
import { ItemParams, LotParams } from "./schemas";
import { countItems, getLot, resolveCode } from "./service";
import { itemCode, itemView, lotView, productView } from "./views";

const tags = ["Items"];

export const commissionItemsRoute = createRoute({
  method: "post",
  path: "/v1/products/{gtin}/lots/{lot}/items",
  operationId: "commissionItems",
  summary: "Commission serialised items of a lot: generated unguessable serials, or your own",
  description:
    "`{ count }` generates 1 to 100,000 serials (12 characters, about 70 random bits each); `{ serials }` commissions your own (AI 21, at most 20 characters, none of % & / < > ?). All or nothing. Items start `commissioned`, held by the producer. Up to 1,000 new items are listed in the response; for more, follow `download`.",
  tags,
  security: [{ apiKey: [] }],
  request: {
    params: LotParams,
    body: { required: true, content: { "application/json": { schema: CommissionBody } } },
  },
  responses: {
    201: json(Commissioned, "Commissioned"),
    ...errorResponses,
    ...authErrorResponses,
    ...notFoundResponse,
    ...conflictResponse,
  },
});

export const listLotItemsRoute = createRoute({
  method: "get",
  path: "/v1/products/{gtin}/lots/{lot}/items",
  operationId: "listLotItems",
  summary: "The items of a lot: a JSON page, or every serial as CSV (owner or regulator)",
  description:
    "Serials are unguessable only while they are not published, so only the product's owner and regulators may list them.",
  tags,
  security: [{ apiKey: [] }],
  request: { params: LotParams, query: PageQuery.extend(ItemListQuery.shape) },
  responses: {
    200: {
      description: "A page of items (json) or the whole lot as `serial,key,uri` (csv)",
      content: {
        "application/json": { schema: ItemPage },
        "text/csv": { schema: z.string().openapi({ example: "serial,key,uri\r\n" }) },
      },
    },
    ...errorResponses,
    ...authErrorResponses,
    ...notFoundResponse,
  },
});

export const getItemRoute = createRoute({
  method: "get",
  path: "/v1/items/{gtin}/{serial}",
  operationId: "getItem",
  summary: "A serialised item with its state, its lot and its product",
  tags,
  security: [],
  request: { params: ItemParams },
  responses: { 200: json(ItemDetail, "The item"), ...notFoundResponse, ...errorResponses },
});

export const lookupRoute = createRoute({
  method: "get",
  path: "/v1/lookup",
  operationId: "lookupCode",
  summary: "Parse any scanned code and find what it names: product, lot or item",
  description:
    "Accepts a Digital Link URI, a bracketed or raw element string (FNC1/GS, symbology prefix), a bare GTIN or a 20-digit drug traceability code. A well-formed code that is not registered is 404 with `parsed`; a malformed one is 400 `invalid_code` with the parser's error.",
  tags,
  security: [],
  request: { query: CodeQuery },
  responses: { 200: json(Lookup, "What the code names"), ...notFoundResponse, ...errorResponses },
});

function parsedView(code: ParsedCode, base: string): z.infer<typeof ParsedCodeView> {
  const symbologyId = code.symbologyId ?? null;
  if (code.kind === "drug-code") {
    const { level, form } = code;
    return {
      level,
      key: code.code,
      gtin: null,
      lot: null,
      serial: null,
      attributes: {},
      form,
      symbologyId,
      uri: null,
      compressedUri: null,
    };
  }
  const parts = { ...code, otherParams: {} };
  return {
    uri: formatDigitalLink(parts, base),
    compressedUri: compressDigitalLink(parts, base),
    level: code.level,
    key: code.key,
    gtin: code.gtin ?? null,
    lot: code.lot ?? null,
    serial: code.serial ?? null,
    attributes: { ...code.attributes },
    form: code.form,
    symbologyId,
  };
}

export const itemRoutes = createRouter()
  .openapi(commissionItemsRoute, async (c) => {
    const caller = await requireWriter(c, "producer");
    const params = c.req.valid("param");
    const { count, serials } = c.req.valid("json");
    const { db, clock } = c.var.deps;
    const { product, lot } = await getLot(
      db,
      gtinParam(params.gtin),
      aiParam("10", params.lot, "param.lot"),
    );
    const commissioned = await commissionLot(
      db,
      { clock },
      { lot, product, serials: serials ?? { generate: count ?? 0 }, actor: caller.org },
    );
    const base = baseUrl(c);
    const listing = `${base}/v1/products/${product.gtin}/lots/${encodeComponent(lot.lot)}/items`;
    return c.json(
      {
        lot: lotView(lot, await countItems(db, lot.id), base),
        count: commissioned.length,
        ...(commissioned.length <= LISTED_IN_RESPONSE
          ? {
              items: commissioned.map(({ serial }) => {
                const { key, uri } = itemCode(lot, serial, base);
                return { serial, key, uri };
              }),
            }
          : {}),
        download: { json: `${listing}?format=json`, csv: `${listing}?format=csv` },
      },
      201,
    );
  })
  .openapi(listLotItemsRoute, async (c) => {
    const caller = await requireCaller(c);
    const params = c.req.valid("param");
    const query = c.req.valid("query");
    const { db } = c.var.deps;
    const { product, lot } = await getLot(
      db,
      gtinParam(params.gtin),
      aiParam("10", params.lot, "param.lot"),
    );
    if (caller.org.id !== product.ownerOrgId && !hasRole(caller.org, "regulator")) {
      throw new AppError(
        "forbidden",
        `the serials of lot ${lot.lot} are listed only to the product's owner (${product.ownerOrgId}) and regulators`,
        { ownerOrgId: product.ownerOrgId },
      );
    }
    const base = baseUrl(c);
    if (query.format === "csv") return csvExport(c, lot, lotSerialBatches(db, lot.id), base);
    const page = await itemPage(db, lot.id, query);
    return c.json({ items: page.items.map((i) => itemView(i, lot, base)), next: page.next }, 200);
  })
  .openapi(getItemRoute, async (c) => {
    const params = c.req.valid("param");
    const found = await getItem(
      c.var.deps.db,
      gtinParam(params.gtin),
      aiParam("21", params.serial, "param.serial"),
    );
    const base = baseUrl(c);
    const itemCount = await countItems(c.var.deps.db, found.lot.id);
    return c.json(
      {
        item: itemView(found.item, found.lot, base),
        lot: lotView(found.lot, itemCount, base),
        product: productView(found.product, base),
      },
      200,
    );
  })
  .openapi(lookupRoute, async (c) => {
    const code = scannedCode(c.req.valid("query").code);
    const parsed = parsedView(code, baseUrl(c));
    if (code.kind === "drug-code") {
      throw new AppError(
        "not_found",
        `drug traceability code ${code.code} is not registered with this service (drug codes are not tracked here yet)`,
        { registered: false, parsed },
      );
    }
    const { db } = c.var.deps;
    const found = await resolveCode(db, code);
    const base = baseUrl(c);
    const views = {
      ...(found.product ? { product: productView(found.product, base) } : {}),
      ...(found.lot ? { lot: lotView(found.lot, await countItems(db, found.lot.id), base) } : {}),
      ...(found.item && found.lot ? { item: itemView(found.item, found.lot, base) } : {}),
    };
    if (found.missing) {
      throw new AppError("not_found", `${found.missing} is not registered with this service`, {
        registered: false,
        parsed,
        ...views,
      });
    }
    return c.json({ parsed, ...views }, 200);
  });

/** Streams `serial,key,uri` for a whole lot, a database batch at a time. */
export function csvExport(
  c: Context<AppEnv>,
  lot: Parameters<typeof itemCode>[0],
  batches: AsyncGenerator<string[]>,
  base: string,
): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode("serial,key,uri\r\n"));
    },
    async pull(controller) {
      const next = await batches.next();
      if (next.done) {
        controller.close();
        return;
      }
      let text = "";
      for (const serial of next.value) {
        const { key, uri } = itemCode(lot, serial, base);
        text += `${csvCell(serial)},${csvCell(key)},${csvCell(uri)}\r\n`;
      }
      controller.enqueue(encoder.encode(text));
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
  const filename = `${lot.gtin}-${lot.lot.replace(/[^A-Za-z0-9._-]/g, "_")}.csv`;
  return c.body(stream, 200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${filename}"`,
    "Cache-Control": "no-store",
  });
}
