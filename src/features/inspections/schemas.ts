// Wire schemas of inspection reports: the upload (report fields + PDF), the stored report, the lists.
import { z } from "@hono/zod-openapi";
import { PageQuery, pageOf } from "../../lib/pagination";
import { LicenceInput } from "../orgs/schemas";

const code = z.string().trim().min(1).max(512);
const date = z.iso.date();

export const TestItemInput = z
  .object({
    name: z.string().trim().min(1).max(200).openapi({ example: "毒死蜱 chlorpyrifos" }),
    value: z.string().trim().min(1).max(100).openapi({ example: "0.005" }),
    limit: z.string().trim().min(1).max(100).optional().openapi({ example: "≤0.05" }),
    unit: z.string().trim().min(1).max(40).optional().openapi({ example: "mg/kg" }),
    verdict: z.enum(["pass", "fail"]),
    method: z.string().trim().min(1).max(200).optional().openapi({ example: "GB 23200.113-2018" }),
  })
  .openapi("TestItem");

export const ReportFields = z
  .object({
    lot: code.openapi({
      description: "the lot in any form: Digital Link, element string, key",
      example: "/01/06901234567892/10/LOT2026A",
    }),
    reportNumber: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[^\p{Cc}]+$/u, "must not contain control characters")
      .openapi({ example: "TZJ2026-0601-017" }),
    standards: z
      .array(z.string().trim().min(1).max(200))
      .min(1)
      .max(20)
      .openapi({ example: ["GB 2763-2021"] }),
    testItems: z.array(TestItemInput).min(1).max(500),
    samplingDate: date.optional().openapi({ example: "2026-05-28" }),
    issueDate: date.openapi({ example: "2026-06-01" }),
    conclusion: z.enum(["pass", "fail"]),
  })
  .superRefine((r, ctx) => {
    if (r.conclusion === "pass") {
      r.testItems.forEach((item, i) => {
        if (item.verdict === "fail")
          ctx.addIssue({
            code: "custom",
            path: ["testItems", i, "verdict"],
            message: "a report that passes cannot have a failing test item",
          });
      });
    }
    if (r.samplingDate && r.samplingDate > r.issueDate)
      ctx.addIssue({
        code: "custom",
        path: ["samplingDate"],
        message: "the sample cannot be taken after the report was issued",
      });
  })
  .openapi("InspectionReportFields");
export type ReportInput = z.infer<typeof ReportFields>;

const PdfFile = z
  .custom<File>((v) => v instanceof File, { message: "attach the report PDF as a file part" })
  .openapi({ type: "string", format: "binary", description: "the signed report, a PDF" });

export const UploadForm = z
  .object({
    report: z.string().max(1_000_000).optional().openapi({
      description: "the report fields (InspectionReportFields) as JSON",
      example:
        '{"lot":"/01/06901234567892/10/LOT2026A","reportNumber":"TZJ2026-0601-017","standards":["GB 2763-2021"],"testItems":[{"name":"毒死蜱","value":"0.005","limit":"≤0.05","unit":"mg/kg","verdict":"pass"}],"samplingDate":"2026-05-28","issueDate":"2026-06-01","conclusion":"pass"}',
    }),
    lot: z.string().max(512).optional().openapi({ description: "without `report`: the lot" }),
    reportNumber: z.string().max(64).optional(),
    standards: z
      .union([z.string().max(200), z.array(z.string().max(200))])
      .optional()
      .openapi({ description: "without `report`: repeat the field per standard" }),
    testItems: z
      .string()
      .max(1_000_000)
      .optional()
      .openapi({ description: "without `report`: the test items as a JSON array" }),
    samplingDate: z.string().max(10).optional(),
    issueDate: z.string().max(10).optional(),
    conclusion: z.string().max(4).optional(),
    pdf: PdfFile,
  })
  .openapi("InspectionUpload");

export const InspectorView = z
  .object({
    id: z.string(),
    nameZh: z.string(),
    uscc: z.string().nullable(),
    verified: z.boolean(),
    accreditation: z.array(LicenceInput).openapi({ description: "its CMA / CNAS numbers" }),
  })
  .openapi("Inspector");

export const Inspection = z
  .object({
    id: z.string().openapi({ example: "insp_x7k2m9q4w8e3r5t6" }),
    lot: z.object({
      key: z.string(),
      gtin: z.string(),
      lot: z.string(),
      nonConforming: z.boolean().openapi({ description: "the lot's flag now" }),
    }),
    product: z.object({ gtin: z.string(), nameZh: z.string() }),
    inspector: InspectorView,
    reportNumber: z.string(),
    standards: z.array(z.string()),
    testItems: z.array(TestItemInput),
    samplingDate: z.string().nullable(),
    issueDate: z.string(),
    conclusion: z.enum(["pass", "fail"]),
    report: z.object({
      url: z.string().openapi({ description: "stable URL of the PDF" }),
      sha256: z.string(),
      size: z.number().int(),
      contentType: z.literal("application/pdf"),
    }),
    event: z.object({ id: z.number().int(), eventId: z.string(), hashId: z.string() }),
    createdAt: z.string(),
  })
  .openapi("Inspection");

export const InspectionPage = pageOf(Inspection, "InspectionPage");

export const InspectionListQuery = PageQuery.extend({
  lot: code.optional().openapi({ description: "a lot in any form" }),
  inspector: z.string().min(1).max(64).optional().openapi({ description: "inspector org id" }),
  conclusion: z.enum(["pass", "fail"]).optional(),
});

export const InspectionIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "insp_x7k2m9q4w8e3r5t6" }),
});

export const NonConformingLot = z
  .object({
    key: z.string(),
    gtin: z.string(),
    lot: z.string(),
    productName: z.string(),
    recalled: z.boolean(),
    why: z
      .array(z.enum(["owner", "custodian", "seller", "lister"]))
      .openapi({ description: "how the caller is concerned" }),
    unitsHeld: z.number().int().openapi({ description: "units of the lot the caller holds" }),
    failedReport: z
      .object({
        id: z.string(),
        reportNumber: z.string(),
        issueDate: z.string(),
        inspectorOrgId: z.string(),
        url: z.string(),
      })
      .nullable(),
  })
  .openapi("NonConformingLot");

export const NonConformingLots = z
  .object({ items: z.array(NonConformingLot) })
  .openapi("NonConformingLots");
