// Test fixtures: small but well-formed report PDFs and upload forms (used by tests, the authz matrix and the benchmark).
import { randomString } from "../../lib/random";

const encoder = new TextEncoder();

/** A minimal PDF: `%PDF-` at the start, `%%EOF` at the end; `note` makes each one distinct. */
export function pdfBytes(note = "report"): Uint8Array {
  return encoder.encode(
    `%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% ${note}\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`,
  );
}

export function pdfFile(note?: string, name = "report.pdf"): File {
  return new File([pdfBytes(note) as Uint8Array<ArrayBuffer>], name, { type: "application/pdf" });
}

export interface ReportOptions {
  lot: string;
  reportNumber?: string;
  conclusion?: "pass" | "fail";
  issueDate?: string;
  samplingDate?: string;
}

export function reportFields(o: ReportOptions): Record<string, unknown> {
  const conclusion = o.conclusion ?? "pass";
  return {
    lot: o.lot,
    reportNumber: o.reportNumber ?? `R-${randomString(10)}`,
    standards: ["GB 2763-2021"],
    testItems: [
      {
        name: "毒死蜱 chlorpyrifos",
        value: conclusion === "pass" ? "0.005" : "0.31",
        limit: "≤0.05",
        unit: "mg/kg",
        verdict: conclusion,
        method: "GB 23200.113-2018",
      },
    ],
    samplingDate: o.samplingDate ?? "2026-05-20",
    issueDate: o.issueDate ?? "2026-05-30",
    conclusion,
  };
}

export function uploadForm(
  report: Record<string, unknown>,
  file: File = pdfFile(String(report.reportNumber)),
) {
  const form = new FormData();
  form.set("report", JSON.stringify(report));
  form.set("pdf", file);
  return form;
}
