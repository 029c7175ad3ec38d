// PDF labels: page sizes of each stock, and every symbol on a page decoded back at its position.
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { decodeBarcode, elementStringAsScanned } from "../../../test/helpers/decode-barcode";
import { cropMm, PDFTOPPM, pdfPagesAsPng } from "../../../test/helpers/pdf-pages";
import { requiredTool } from "../../../test/helpers/required-tool";
import { matrixBoxMm, renderLabelsPdf } from "./pdf";
import type { SheetLabel } from "./sheet";
import { LABEL_STOCKS, labelOrigin, STOCK_IDS } from "./stock";
import { LabelRenderError } from "./symbols";

const hasPdftoppm = requiredTool(PDFTOPPM, "PDF decode tests", "apt-get install poppler-utils");

const GTIN = "06901234567892";
function labels(count: number, lot = "B2026"): SheetLabel[] {
  return Array.from({ length: count }, (_, i) => {
    const serial = `SN${String(i + 1).padStart(4, "0")}`;
    return {
      uri: `https://zhuisu.test/01/${GTIN}/10/${lot}/21/${serial}?17=261231`,
      elementString: `(01)${GTIN}(17)261231(10)${lot}(21)${serial}`,
      title: "临海蜜橘",
      fields: { gtin: GTIN, lot, expiry: "2026-12-31", serial, name: "Linhai mandarin" },
    };
  });
}

const POINTS_PER_MM = 72 / 25.4;
const DPI = 300;

describe("PDF label pages", () => {
  it.each(STOCK_IDS)("%s pages are the stock's size in points, a page per sheet", async (id) => {
    const stock = LABEL_STOCKS[id];
    const perPage = stock.columns * stock.rows;
    const pdf = await renderLabelsPdf({ labels: labels(perPage + 1), stock, symbology: "qr" });
    const doc = await PDFDocument.load(pdf);
    expect(doc.getPageCount()).toBe(2);
    for (const page of doc.getPages()) {
      const { width, height } = page.getSize();
      expect(width).toBeCloseTo(stock.pageWidthMm * POINTS_PER_MM, 2);
      expect(height).toBeCloseTo(stock.pageHeightMm * POINTS_PER_MM, 2);
    }
  });

  it("A4 stocks fill the sheet exactly with their margins and pitches", () => {
    for (const id of ["a4-3x8", "a4-4x10"] as const) {
      const s = LABEL_STOCKS[id];
      const right = s.marginLeftMm + (s.columns - 1) * s.pitchXMm + s.labelWidthMm;
      const bottom = s.marginTopMm + (s.rows - 1) * s.pitchYMm + s.labelHeightMm;
      expect(right).toBeLessThanOrEqual(s.pageWidthMm);
      expect(bottom).toBeLessThanOrEqual(s.pageHeightMm);
      expect(s.pageWidthMm - right).toBeCloseTo(s.marginLeftMm, 5);
    }
  });

  it("refuses a GS1-128 that would need bars under 0.17 mm, naming the field", async () => {
    const error = await renderLabelsPdf({
      labels: labels(1),
      stock: LABEL_STOCKS["roll-50x30"],
      symbology: "gs1-128",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabelRenderError);
    expect((error as LabelRenderError).detail).toMatch(/^symbology: GS1-128 .* roll-50x30/);
  });
});

describe.skipIf(!hasPdftoppm)("PDF labels decoded back from pdftoppm at 300 dpi", () => {
  async function decodePage(
    stockId: keyof typeof LABEL_STOCKS,
    symbology: "qr" | "datamatrix" | "gs1-128",
    count: number,
    formats: ("qr" | "datamatrix" | "code128")[],
  ) {
    const stock = LABEL_STOCKS[stockId];
    const all = labels(count);
    const pdf = await renderLabelsPdf({ labels: all, stock, symbology });
    const [page] = await pdfPagesAsPng(pdf, DPI);
    if (!page) throw new Error("pdftoppm rendered no page");
    // pdftoppm rounds the page up to whole pixels.
    expect(page.width).toBe(Math.ceil((stock.pageWidthMm * DPI) / 25.4));
    const perPage = Math.min(count, stock.columns * stock.rows);
    return all.slice(0, perPage).map((label, slot) => {
      const { xMm, yMm } = labelOrigin(stock, slot);
      // zxing finds a Data Matrix only alone in its image: crop to the symbol's square.
      const square = matrixBoxMm(stock);
      const png = cropMm(
        page,
        DPI,
        symbology === "datamatrix"
          ? {
              xMm: xMm + square.xMm,
              yMm: yMm + square.yMm,
              widthMm: square.sideMm,
              heightMm: square.sideMm,
            }
          : { xMm, yMm, widthMm: stock.labelWidthMm, heightMm: stock.labelHeightMm },
      );
      return { label, decoded: decodeBarcode(png, { formats }) };
    });
  }

  it("every QR of an A4 3 × 8 sheet holds its item's Digital Link at its position", async () => {
    const read = await decodePage("a4-3x8", "qr", 30, ["qr"]);
    expect(read).toHaveLength(24);
    for (const { label, decoded } of read)
      expect(decoded).toEqual({ format: "qr", text: label.uri });
  });

  it("every GS1 DataMatrix of an A4 4 × 10 sheet holds its element string", async () => {
    const read = await decodePage("a4-4x10", "datamatrix", 40, ["datamatrix"]);
    expect(read).toHaveLength(40);
    for (const { label, decoded } of read) {
      expect(decoded).toEqual({
        format: "datamatrix",
        text: elementStringAsScanned(label.elementString, "]d2"),
      });
    }
  });

  it("every GS1-128 of an A4 3 × 8 sheet holds its element string with FNC1", async () => {
    const read = await decodePage("a4-3x8", "gs1-128", 24, ["code128"]);
    for (const { label, decoded } of read) {
      expect(decoded).toEqual({
        format: "gs1-128",
        text: elementStringAsScanned(label.elementString, "]C1"),
      });
    }
  });

  it("a 50 × 30 mm roll label holds one QR and one DataMatrix per page", async () => {
    const [qr] = await decodePage("roll-50x30", "qr", 1, ["qr"]);
    expect(qr?.decoded.text).toBe(labels(1)[0]?.uri);
    const [dm] = await decodePage("roll-50x30", "datamatrix", 1, ["datamatrix"]);
    expect(dm?.decoded.text).toBe(elementStringAsScanned(labels(1)[0]?.elementString ?? "", "]d2"));
  });
});
