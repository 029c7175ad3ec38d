// Label routes: one symbol for any registered product, lot or item, and a lot's printable sheet.
import { createRoute, z } from "@hono/zod-openapi";
import { requireCaller } from "../../lib/auth";
import { AppError } from "../../lib/errors";
import {
  authErrorResponses,
  createRouter,
  errorResponses,
  notFoundResponse,
} from "../../lib/router";
import { labelSheetChunks, renderLabel } from "../labels/render";
import { aiParam, baseUrl, gtinParam, scannedCode } from "./edge";
import { LabelQuery, SheetQuery } from "./item-schemas";
import { LotParams } from "./schemas";
import { assertOwner, getLot, resolveCode } from "./service";
import { lotSheetLabels } from "./sheet";
import { type CodeContent, compressedUri, itemCode, lotCode, productCode } from "./views";

const tags = ["Labels"];
const binary = z.string().openapi({ format: "binary" });

export const labelRoute = createRoute({
  method: "get",
  path: "/v1/labels",
  operationId: "getLabel",
  summary: "The barcode of a registered product, lot or item, as SVG or PNG",
  description:
    "QR carries the Digital Link URI on the service's public base URL; GS1 DataMatrix and GS1-128 the element string (an item's with its lot and expiry: (01)(17)(10)(21)); EAN-13 the GTIN-13 of a product. Anyone may print the code of something registered.",
  tags,
  security: [],
  request: { query: LabelQuery },
  responses: {
    200: {
      description: "The label",
      content: { "image/svg+xml": { schema: z.string() }, "image/png": { schema: binary } },
    },
    ...notFoundResponse,
    ...errorResponses,
  },
});

export const lotSheetRoute = createRoute({
  method: "get",
  path: "/v1/products/{gtin}/lots/{lot}/labels",
  operationId: "getLotLabelSheet",
  summary: "A printable A4 HTML sheet of the labels of a lot's items (the product's owner)",
  tags,
  security: [{ apiKey: [] }],
  request: { params: LotParams, query: SheetQuery },
  responses: {
    200: {
      description: "HTML, streamed a page at a time; print it from a browser",
      content: { "text/html": { schema: z.string() } },
    },
    ...notFoundResponse,
    ...authErrorResponses,
    ...errorResponses,
  },
});

export const labelRoutes = createRouter()
  .openapi(labelRoute, async (c) => {
    const query = c.req.valid("query");
    const code = scannedCode(query.code);
    if (code.kind === "drug-code") {
      throw new AppError(
        "not_found",
        `drug traceability code ${code.code} is not registered with this service`,
        { registered: false },
      );
    }
    const found = await resolveCode(c.var.deps.db, code);
    if (found.missing || !found.product) {
      throw new AppError("not_found", `${found.missing} is not registered with this service`, {
        registered: false,
      });
    }
    const base = baseUrl(c);
    let content: CodeContent;
    if (found.item && found.lot) content = itemCode(found.lot, found.item.serial, base);
    else if (found.lot) content = lotCode(found.lot, base);
    else content = productCode(found.product.gtin, base);
    if (query.symbology === "ean13" && (found.lot || found.item)) {
      throw new AppError(
        "validation_failed",
        "query.symbology: EAN-13 carries only a GTIN; print lots and items as qr, datamatrix or gs1-128",
        { errors: [{ path: "query.symbology", message: "EAN-13 is for products only" }] },
      );
    }
    if (query.compress === "true" && query.symbology !== "qr") {
      throw new AppError(
        "validation_failed",
        "query.compress: only a QR code carries a Digital Link URI to compress",
        { errors: [{ path: "query.compress", message: "compress is for symbology=qr" }] },
      );
    }
    const data =
      query.symbology === "qr"
        ? query.compress === "true"
          ? compressedUri(content.uri)
          : content.uri
        : query.symbology === "ean13"
          ? found.product.gtin
          : content.elementString;
    const label = await renderLabel({
      symbology: query.symbology,
      data,
      format: query.format,
      // A QR's URI means nothing to a reader; print the element string under it.
      ...(query.symbology === "qr" ? { humanText: content.elementString } : {}),
    });
    return c.body(label.body, 200, {
      "Content-Type": label.contentType,
      "Cache-Control": "public, max-age=300",
    });
  })
  .openapi(lotSheetRoute, async (c) => {
    const caller = await requireCaller(c);
    const params = c.req.valid("param");
    const query = c.req.valid("query");
    const { db } = c.var.deps;
    const { product, lot } = await getLot(
      db,
      gtinParam(params.gtin),
      aiParam("10", params.lot, "param.lot"),
    );
    assertOwner(product, caller.org, "print the labels of its items");
    const labels = await lotSheetLabels(db, product, lot, baseUrl(c), query);
    const chunks = labelSheetChunks({
      labels,
      perRow: query.perRow,
      labelWidthMm: query.widthMm,
      labelHeightMm: query.heightMm,
      symbology: query.symbology,
    });
    // The head is rendered before answering, so a layout that does not fit A4 is a 422, not a broken stream.
    const head = await chunks.next();
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        if (!head.done) controller.enqueue(encoder.encode(head.value));
      },
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    return c.body(stream, 200, {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
    });
  });
