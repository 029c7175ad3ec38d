// Inspection report routes: accredited laboratories upload reports with their PDF; anyone reads them.
import { createRoute, z } from "@hono/zod-openapi";
import { publicBaseUrl } from "../../config";
import { requireCaller, requireWriter } from "../../lib/auth";
import { AppError } from "../../lib/errors";
import {
  authErrorResponses,
  conflictResponse,
  createRouter,
  errorResponses,
  json,
  notFoundResponse,
  problemResponseSpec,
} from "../../lib/router";
import { checkPdf, reportFromForm } from "./pdf";
import {
  Inspection,
  InspectionIdParam,
  InspectionListQuery,
  InspectionPage,
  NonConformingLots,
  UploadForm,
} from "./schemas";
import { assertAccredited, chinaDate, recordInspection } from "./service";
import { getInspection, listInspections, nonConformingFor, reportPdf } from "./views";

const tags = ["Inspections"];

export const uploadInspectionRoute = createRoute({
  method: "post",
  path: "/v1/inspections",
  operationId: "uploadInspectionReport",
  summary: "Upload an inspection report of a lot, with its PDF (accredited inspectors)",
  description: [
    "`multipart/form-data` with the report fields (one `report` field of JSON, or the fields one by one) and the `pdf` file part.",
    "",
    "The PDF is checked by its content: it must start with `%PDF-` and end with `%%EOF`, whatever its name or declared type (otherwise 415 `unsupported_media_type`). The whole request may be at most `UPLOAD_LIMIT_BYTES` (20 MiB by default; 413 above it). The file is stored once per SHA-256 and served at `GET /v1/inspections/{id}/report.pdf`.",
    "",
    "The report is recorded in the ledger as an inspecting event on the lot (conformant / non_conformant, `certificationInfo` = the PDF's URL). The lot follows its most recently issued report: a failed report marks it non-conforming (its items cannot be sold); a later passing re-inspection lifts that.",
  ].join("\n"),
  tags,
  security: [{ apiKey: [] }],
  request: {
    body: { required: true, content: { "multipart/form-data": { schema: UploadForm } } },
  },
  responses: {
    201: json(Inspection, "Recorded"),
    ...authErrorResponses,
    ...conflictResponse,
    413: problemResponseSpec("The upload is larger than the limit"),
    415: problemResponseSpec("The file is not a PDF"),
    ...errorResponses,
  },
});

export const listInspectionsRoute = createRoute({
  method: "get",
  path: "/v1/inspections",
  operationId: "listInspections",
  summary: "Inspection reports, newest first: of a lot, of a laboratory, by conclusion",
  tags,
  security: [],
  request: { query: InspectionListQuery },
  responses: { 200: json(InspectionPage, "A page of reports"), ...errorResponses },
});

export const getInspectionRoute = createRoute({
  method: "get",
  path: "/v1/inspections/{id}",
  operationId: "getInspection",
  summary: "One inspection report: lot, laboratory and accreditation, test items, conclusion",
  tags,
  security: [],
  request: { params: InspectionIdParam },
  responses: { 200: json(Inspection, "The report"), ...notFoundResponse, ...errorResponses },
});

export const getReportPdfRoute = createRoute({
  method: "get",
  path: "/v1/inspections/{id}/report.pdf",
  operationId: "getInspectionReportPdf",
  summary: "The report PDF, as uploaded (ETag: its SHA-256)",
  tags,
  security: [],
  request: { params: InspectionIdParam },
  responses: {
    200: {
      description: "The PDF",
      content: { "application/pdf": { schema: z.string().openapi({ format: "binary" }) } },
    },
    304: { description: "Not modified (If-None-Match matched the SHA-256)" },
    ...notFoundResponse,
    ...errorResponses,
  },
});

export const myNonConformingRoute = createRoute({
  method: "get",
  path: "/v1/me/non-conforming",
  operationId: "listMyNonConformingLots",
  summary:
    "Lots that failed inspection and concern the caller: its products, units it holds or sold, lots it lists",
  tags,
  security: [{ apiKey: [] }],
  responses: {
    200: json(NonConformingLots, "The lots"),
    ...authErrorResponses,
    ...errorResponses,
  },
});

export const inspectionRoutes = createRouter();

// Before validation, after authentication: a report sent as JSON (or anything but a form) is
// the wrong media type.
inspectionRoutes.use("/v1/inspections", async (c, next) => {
  if (c.req.method !== "POST") return next();
  await requireCaller(c);
  if (!/^multipart\/form-data\b/i.test(c.req.header("Content-Type") ?? "")) {
    throw new AppError(
      "unsupported_media_type",
      "send the report as multipart/form-data: the report fields and the `pdf` file part",
      { accepted: ["multipart/form-data"] },
    );
  }
  await next();
});

inspectionRoutes
  .openapi(uploadInspectionRoute, async (c) => {
    const caller = await requireWriter(c, "inspector");
    const { db, clock, config } = c.var.deps;
    assertAccredited(caller.org, chinaDate(clock.now()));
    const form = c.req.valid("form");
    const report = reportFromForm(form);
    const pdf = await checkPdf(form.pdf, config.UPLOAD_LIMIT_BYTES);
    const baseUrl = publicBaseUrl(config);
    const id = await recordInspection(db, { clock, baseUrl, caller: caller.org }, report, pdf);
    const view = await getInspection(db, id, baseUrl);
    return c.json(view, 201, { Location: `/v1/inspections/${id}` });
  })
  .openapi(listInspectionsRoute, async (c) => {
    const { db, config } = c.var.deps;
    return c.json(await listInspections(db, c.req.valid("query"), publicBaseUrl(config)), 200);
  })
  .openapi(getInspectionRoute, async (c) => {
    const { db, config } = c.var.deps;
    return c.json(await getInspection(db, c.req.valid("param").id, publicBaseUrl(config)), 200);
  })
  .openapi(getReportPdfRoute, async (c) => {
    const pdf = await reportPdf(c.var.deps.db, c.req.valid("param").id);
    const etag = `"${pdf.sha256}"`;
    const headers = {
      ETag: etag,
      // The bytes behind an inspection never change: cache them for good.
      "Cache-Control": "public, max-age=31536000, immutable",
    };
    const match = c.req.header("If-None-Match");
    if (match?.split(",").some((t) => t.trim().replace(/^W\//, "") === etag)) {
      return c.body(null, 304, headers);
    }
    return c.body(pdf.data as Uint8Array<ArrayBuffer>, 200, {
      ...headers,
      "Content-Type": "application/pdf",
      "Content-Disposition": `inline; filename="report-${pdf.reportNumber.replace(/[^A-Za-z0-9._-]+/g, "_")}.pdf"`,
    });
  })
  .openapi(myNonConformingRoute, async (c) => {
    const caller = await requireCaller(c);
    const { db, config } = c.var.deps;
    return c.json({ items: await nonConformingFor(db, caller.org.id, publicBaseUrl(config)) }, 200);
  });
