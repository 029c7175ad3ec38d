// The report upload: the PDF checked by its content (not its name or declared type) and the report fields.

import type { z } from "@hono/zod-openapi";
import { sha256Hex } from "../../lib/crypto";
import { AppError } from "../../lib/errors";
import { validationError } from "../../lib/router";
import { ReportFields, type ReportInput, type UploadForm } from "./schemas";

const MAGIC = "%PDF-";
const EOF_MARK = "%%EOF";
/** PDF readers look for the end-of-file marker in the last 1,024 bytes; so do we. */
const EOF_WINDOW = 1024;

export interface CheckedPdf {
  bytes: Uint8Array;
  sha256: string;
  size: number;
}

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);

/**
 * A PDF is what starts with `%PDF-` and ends with `%%EOF`: a renamed text file or a truncated
 * upload is refused whatever its file name and declared type say.
 */
export async function checkPdf(file: File, limit: number): Promise<CheckedPdf> {
  if (file.size > limit) {
    throw new AppError(
      "payload_too_large",
      `the report PDF is ${file.size} bytes; the limit is ${limit} bytes`,
      { limit, size: file.size },
    );
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const head = latin1(bytes.subarray(0, MAGIC.length));
  const tail = latin1(bytes.subarray(Math.max(0, bytes.length - EOF_WINDOW)));
  if (head !== MAGIC || !tail.includes(EOF_MARK)) {
    const declared = `${file.name ? `"${file.name}"` : "the file"}${file.type ? ` (declared ${file.type})` : ""}`;
    throw new AppError(
      "unsupported_media_type",
      head !== MAGIC
        ? `${declared} is not a PDF: its content does not start with %PDF-`
        : `${declared} is not a complete PDF: no %%EOF marker at its end`,
      { accepted: ["application/pdf"], errors: [{ path: "form.pdf", message: "not a PDF" }] },
    );
  }
  return { bytes, sha256: await sha256Hex(bytes), size: bytes.length };
}

/** The report fields: one `report` JSON field, or the same fields one by one. */
export function reportFromForm(form: z.infer<typeof UploadForm>): ReportInput {
  let candidate: unknown;
  let prefix = "form";
  if (form.report !== undefined) {
    prefix = "form.report";
    try {
      candidate = JSON.parse(form.report);
    } catch {
      throw new AppError("malformed_json", "the `report` field is not valid JSON", {
        errors: [{ path: "form.report", message: "not valid JSON" }],
      });
    }
  } else {
    let testItems: unknown;
    try {
      testItems = form.testItems === undefined ? undefined : JSON.parse(form.testItems);
    } catch {
      throw new AppError("malformed_json", "the `testItems` field is not a JSON array", {
        errors: [{ path: "form.testItems", message: "not valid JSON" }],
      });
    }
    candidate = {
      lot: form.lot,
      reportNumber: form.reportNumber,
      standards:
        typeof form.standards === "string" ? [form.standards] : (form.standards ?? undefined),
      testItems,
      samplingDate: form.samplingDate || undefined,
      issueDate: form.issueDate,
      conclusion: form.conclusion,
    };
  }
  const parsed = ReportFields.safeParse(candidate);
  if (!parsed.success) throw validationError(parsed.error, prefix);
  return parsed.data;
}
