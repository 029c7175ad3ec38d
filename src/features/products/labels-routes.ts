// Label routes: one symbol for any registered product, lot or item, and a lot's printable sheet.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requireCaller } from "../../lib/auth";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import {
  authErrorResponses,
  createRouter,
  errorResponses,
  notFoundResponse,
} from "../../lib/router";
import { renderLabelsPdf } from "../labels/pdf";
import { LabelRenderError, labelSheetChunks, renderLabel } from "../labels/render";
import type { SheetLabel } from "../labels/sheet";
import { labelStock } from "../labels/stock";
import { renderLabelsZpl, type ZplDpi } from "../labels/zpl";
import { aiParam, baseUrl, gtinParam, scannedCode } from "./edge";
import { LabelQuery, PdfLabelsQuery, SheetQuery, ZplLabelsQuery } from "./item-schemas";
import { getItem } from "./items";
import { LotParams } from "./schemas";
import { assertOwner, getLot, resolveCode } from "./service";
import { itemLabel, lotSheetLabels } from "./sheet";
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

export const lotPdfRoute = createRoute({
  method: "get",
  path: "/v1/products/{gtin}/lots/{lot}/labels.pdf",
  operationId: "getLotLabelsPdf",
  summary: "A lot's item labels as PDF at the exact size of a label stock (the product's owner)",
  description:
    "Stocks: `roll-50x30` and `roll-100x50` (one label per page), `a4-3x8` (70 × 36 mm, Avery 3475 layout) and `a4-4x10` (48.5 × 25.4 mm, Avery 3657 layout). Each label has its QR (Digital Link), GS1 DataMatrix or GS1-128 (element string) as vector paths, and GTIN, lot, expiry and serial in the PDF standard fonts: the Chinese product name is not printed (the English name is, when the product has one). At most 10,000 labels an answer: page with offset and limit; `serial` prints one item. A symbol that does not fit the stock at a printable module size is a 422 naming `query.symbology`.",
  tags,
  security: [{ apiKey: [] }],
  request: { params: LotParams, query: PdfLabelsQuery },
  responses: {
    200: { description: "The PDF", content: { "application/pdf": { schema: binary } } },
    ...notFoundResponse,
    ...authErrorResponses,
    ...errorResponses,
  },
});

export const lotZplRoute = createRoute({
  method: "get",
  path: "/v1/products/{gtin}/lots/{lot}/labels.zpl",
  operationId: "getLotLabelsZpl",
  summary: "A lot's item labels in ZPL for thermal roll printers (the product's owner)",
  description:
    "One `^XA … ^XZ` format per label, drawn with the printer's own barcode commands (`^BQ` QR, `^BX` GS1 DataMatrix, `^BC` GS1-128) at the printer's resolution (`dpi` 203 or 300). Roll stocks only (`roll-50x30`, `roll-100x50`); print A4 sheets as PDF. Send the answer to the printer as it is (port 9100, or the driver's raw mode). At most 10,000 labels an answer: page with offset and limit; `serial` prints one item.",
  tags,
  security: [{ apiKey: [] }],
  request: { params: LotParams, query: ZplLabelsQuery },
  responses: {
    200: {
      description: "The ZPL program",
      content: { "application/zpl": { schema: z.string() } },
    },
    ...notFoundResponse,
    ...authErrorResponses,
    ...errorResponses,
  },
});

type LabelParams = { gtin: string; lot: string };
type PrintRange = { offset: number; limit: number; serial?: string | undefined };

/** A lot's labels as PDF, for the API and the console alike. */
export async function lotLabelsPdf(
  c: Context<AppEnv>,
  params: LabelParams,
  query: PrintRange & z.infer<typeof PdfLabelsQuery>,
): Promise<Response> {
  const labels = await ownedLotLabels(c, params, query);
  if (labels.length === 0) throw new AppError("not_found", "no items in this range of the lot");
  const pdf = await renderLabelsPdf({
    labels,
    stock: labelStock(query.stock),
    symbology: query.symbology,
  }).catch(asQueryError);
  return c.body(new Uint8Array(pdf), 200, {
    "Content-Type": "application/pdf",
    "Content-Disposition": attachment(`labels-${params.gtin}-${params.lot}.pdf`),
    "Cache-Control": "no-store",
  });
}

/** A lot's labels as ZPL, for the API and the console alike. */
export async function lotLabelsZpl(
  c: Context<AppEnv>,
  params: LabelParams,
  query: PrintRange & z.infer<typeof ZplLabelsQuery>,
): Promise<Response> {
  const labels = await ownedLotLabels(c, params, query);
  if (labels.length === 0) throw new AppError("not_found", "no items in this range of the lot");
  let zpl: string;
  try {
    zpl = renderLabelsZpl({
      labels,
      stock: labelStock(query.stock),
      symbology: query.symbology,
      dpi: Number(query.dpi) as ZplDpi,
    });
  } catch (error) {
    asQueryError(error);
  }
  return c.body(zpl, 200, {
    "Content-Type": "application/zpl; charset=utf-8",
    "Content-Disposition": attachment(`labels-${params.gtin}-${params.lot}.zpl`),
    "Cache-Control": "no-store",
  });
}

/** The labels of a lot the caller owns: every item in the range, or the one `serial`. */
async function ownedLotLabels(
  c: Context<AppEnv>,
  params: { gtin: string; lot: string },
  query: { offset: number; limit: number; serial?: string | undefined },
): Promise<SheetLabel[]> {
  const caller = await requireCaller(c);
  const { db } = c.var.deps;
  const { product, lot } = await getLot(
    db,
    gtinParam(params.gtin),
    aiParam("10", params.lot, "param.lot"),
  );
  assertOwner(product, caller.org, "print the labels of its items");
  if (query.serial === undefined) return lotSheetLabels(db, product, lot, baseUrl(c), query);
  const serial = aiParam("21", query.serial, "query.serial");
  const found = await getItem(db, gtinParam(product.gtin), serial);
  if (found.lot.id !== lot.id) {
    throw new AppError("not_found", `serial ${serial} is not in lot ${lot.lot}`, {
      registered: false,
    });
  }
  return [itemLabel(product, lot, serial, baseUrl(c))];
}

/** A label that cannot be drawn on the stock asked for is the fault of the query field it names. */
function asQueryError(error: unknown): never {
  if (error instanceof LabelRenderError) {
    const field = /^(symbology|stock|dpi): /.exec(error.detail)?.[1];
    if (field) {
      throw new AppError("validation_failed", error.detail, {
        errors: [{ path: `query.${field}`, message: error.detail.slice(field.length + 2) }],
      });
    }
  }
  throw error;
}

function attachment(name: string): string {
  return `attachment; filename="${name.replace(/[^\w.-]/g, "_")}"`;
}

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
  })
  .openapi(lotPdfRoute, async (c) => lotLabelsPdf(c, c.req.valid("param"), c.req.valid("query")))
  .openapi(lotZplRoute, async (c) => lotLabelsZpl(c, c.req.valid("param"), c.req.valid("query")));
