// Labels as PDF at the exact size of a label stock: symbols drawn as vector rectangles, text in
// the PDF standard fonts (no CJK glyphs: the Chinese product name is not printed).
import { PDFDocument, type PDFFont, type PDFPage, StandardFonts } from "pdf-lib";
import { type PrintSymbology, printedLines, type SheetLabel, symbolData } from "./sheet";
import { type LabelStock, labelOrigin, POINTS_PER_MM } from "./stock";
import {
  darkRuns,
  gs1DataMatrix,
  gs1128Bars,
  LabelRenderError,
  LINEAR_QUIET_ZONE,
  type ModuleMatrix,
  QUIET_ZONE,
  qrMatrix,
} from "./symbols";

export interface PdfLabelOptions {
  labels: readonly SheetLabel[];
  stock: LabelStock;
  symbology: PrintSymbology;
  /** Called as each page is drawn, with the labels drawn so far. */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/**
 * Smallest module printed. 2D: 0.25 mm, the GS1 DataMatrix minimum for general use. Linear:
 * 0.169 mm, two dots of a 300 dpi printer (GS1 logistics asks 0.25 mm or more, which a GS1-128 of
 * an item's full element string cannot meet on any of these stocks: use a 2D symbol there).
 */
export const MIN_MODULE_MM = { matrix: 0.25, linear: (2 * 25.4) / 300 } as const;
/** Module sizes are snapped down to whole dots of a 600 dpi device, so bars stay even. */
const SNAP_PER_MM = 600 / 25.4;
const PADDING_MM = 2;
const GAP_MM = 1.5;
const MAX_FONT_PT = 7;
const MIN_FONT_PT = 4;
const LINE_HEIGHT = 1.15;
const LABELS_BETWEEN_YIELDS = 250;

export async function renderLabelsPdf(options: PdfLabelOptions): Promise<Uint8Array> {
  const { labels, stock, symbology, onProgress } = options;
  if (labels.length === 0) {
    throw new LabelRenderError("validation_failed", "there are no labels to print");
  }
  const doc = await PDFDocument.create();
  doc.setTitle("Traceability labels");
  doc.setCreator("zhuisu");
  doc.setProducer("zhuisu (pdf-lib)");
  const fonts = {
    text: await doc.embedFont(StandardFonts.Helvetica),
    mono: await doc.embedFont(StandardFonts.Courier),
  };
  const perPage = stock.columns * stock.rows;
  let sinceYield = 0;
  for (let start = 0; start < labels.length; start += perPage) {
    const page = doc.addPage([
      stock.pageWidthMm * POINTS_PER_MM,
      stock.pageHeightMm * POINTS_PER_MM,
    ]);
    let bars = "";
    const pageLabels = labels.slice(start, start + perPage);
    pageLabels.forEach((label, slot) => {
      bars += drawLabel(page, fonts, stock, slot, label, symbology);
    });
    const stream = doc.context.flateStream(`q 0 g\n${bars}f\nQ\n`);
    page.node.addContentStream(doc.context.register(stream));
    onProgress?.(start + pageLabels.length, labels.length);
    sinceYield += pageLabels.length;
    if (sinceYield >= LABELS_BETWEEN_YIELDS) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
  }
  return doc.save({ useObjectStreams: false });
}

type Fonts = { text: PDFFont; mono: PDFFont };

/** Draws the label's text on the page and returns its symbol as rectangle operators. */
function drawLabel(
  page: PDFPage,
  fonts: Fonts,
  stock: LabelStock,
  slot: number,
  label: SheetLabel,
  symbology: PrintSymbology,
): string {
  const origin = labelOrigin(stock, slot);
  // PDF user space runs up from the page's bottom; labels are laid out down from its top.
  const box = {
    left: origin.xMm + PADDING_MM,
    top: stock.pageHeightMm - origin.yMm - PADDING_MM,
    width: stock.labelWidthMm - 2 * PADDING_MM,
    height: stock.labelHeightMm - 2 * PADDING_MM,
  };
  const data = symbolData(label, symbology);
  const lines = printedLines(label);
  if (symbology === "gs1-128") {
    const textBlock = fitText(
      fonts,
      [label.elementString, ...lines],
      box.width,
      box.height * 0.45,
      true,
    );
    const barsHeight = box.height - textBlock.heightMm - GAP_MM / 2;
    const ops = linearSymbol(data, box.left, box.top, box.width, barsHeight, stock);
    drawLines(page, fonts, textBlock, box.left, box.top - barsHeight - GAP_MM / 2);
    return ops;
  }
  const matrix = symbology === "qr" ? qrMatrix(data) : gs1DataMatrix(data);
  const quiet = symbology === "qr" ? QUIET_ZONE.qr : QUIET_ZONE.datamatrix;
  const side = matrixSideMm(stock);
  const module = snap(side / (matrix.width + 2 * quiet));
  if (module < MIN_MODULE_MM.matrix) {
    throw new LabelRenderError(
      "validation_failed",
      `symbology: a ${symbology} of ${matrix.width} modules needs ` +
        `${round2((matrix.width + 2 * quiet) * MIN_MODULE_MM.matrix)} mm at the minimum module of ` +
        `${MIN_MODULE_MM.matrix} mm; stock ${stock.id} has ${round2(side)} mm`,
    );
  }
  const symbolMm = module * (matrix.width + 2 * quiet);
  const textLeft = box.left + symbolMm + GAP_MM - quiet * module;
  const textBlock = fitText(fonts, lines, box.left + box.width - textLeft, box.height);
  drawLines(page, fonts, textBlock, textLeft, box.top - quiet * module);
  return matrixSymbol(matrix, quiet, module, box.left, box.top);
}

/** The square a 2D symbol (quiet zone included) may fill: the label's left, below its padding. */
export function matrixBoxMm(stock: LabelStock): { xMm: number; yMm: number; sideMm: number } {
  return { xMm: PADDING_MM, yMm: PADDING_MM, sideMm: matrixSideMm(stock) };
}

function matrixSideMm(stock: LabelStock): number {
  const width = stock.labelWidthMm - 2 * PADDING_MM;
  const height = stock.labelHeightMm - 2 * PADDING_MM;
  return Math.min(height, width * 0.55);
}

function matrixSymbol(
  matrix: ModuleMatrix,
  quiet: number,
  module: number,
  leftMm: number,
  topMm: number,
): string {
  let ops = "";
  const m = module * POINTS_PER_MM;
  const x0 = leftMm * POINTS_PER_MM + quiet * m;
  const y0 = topMm * POINTS_PER_MM - quiet * m;
  for (const run of darkRuns(matrix)) {
    ops += `${pt(x0 + run.x * m)} ${pt(y0 - (run.y + 1) * m)} ${pt(run.length * m)} ${pt(m)} re\n`;
  }
  return ops;
}

function linearSymbol(
  elementString: string,
  leftMm: number,
  topMm: number,
  widthMm: number,
  heightMm: number,
  stock: LabelStock,
): string {
  const bars = gs1128Bars(elementString);
  const modules = bars.modules + 2 * LINEAR_QUIET_ZONE;
  const x = snap(widthMm / modules);
  if (x < MIN_MODULE_MM.linear - 1e-9) {
    throw new LabelRenderError(
      "validation_failed",
      `symbology: GS1-128 of ${elementString} is ${modules} modules, ` +
        `${round2(modules * MIN_MODULE_MM.linear)} mm at the minimum bar of ${round2(MIN_MODULE_MM.linear)} mm; ` +
        `stock ${stock.id} has ${round2(widthMm)} mm: print it as qr or datamatrix, or on wider stock`,
    );
  }
  // Centred, so the spare width adds to both quiet zones.
  let cursor = (leftMm + (widthMm - bars.modules * x) / 2) * POINTS_PER_MM;
  const xPt = x * POINTS_PER_MM;
  const bottom = pt((topMm - heightMm) * POINTS_PER_MM);
  const height = pt(heightMm * POINTS_PER_MM);
  let ops = "";
  bars.widths.forEach((w, i) => {
    if (i % 2 === 0) ops += `${pt(cursor)} ${bottom} ${pt(w * xPt)} ${height} re\n`;
    cursor += w * xPt;
  });
  return ops;
}

interface TextBlock {
  lines: string[];
  size: number;
  heightMm: number;
  /** The first line is the HRI under a linear symbol, set in the monospace font. */
  hriFirst: boolean;
}

/** The largest size from 7 pt down to 4 pt at which every line fits; longer lines are cut. */
function fitText(
  fonts: Fonts,
  lines: string[],
  widthMm: number,
  heightMm: number,
  hriFirst = false,
): TextBlock {
  const width = widthMm * POINTS_PER_MM;
  const height = heightMm * POINTS_PER_MM;
  const fontOf = (i: number) => (hriFirst && i === 0 ? fonts.mono : fonts.text);
  const widest = (size: number) =>
    Math.max(...lines.map((line, i) => fontOf(i).widthOfTextAtSize(line, size)));
  let size = MAX_FONT_PT;
  while (
    size > MIN_FONT_PT &&
    (widest(size) > width || lines.length * size * LINE_HEIGHT > height)
  ) {
    size -= 0.25;
  }
  const fitting = Math.max(1, Math.floor(height / (size * LINE_HEIGHT)));
  const kept = lines.slice(0, fitting).map((line, i) => cut(fontOf(i), line, size, width));
  return {
    lines: kept,
    size,
    heightMm: (kept.length * size * LINE_HEIGHT) / POINTS_PER_MM,
    hriFirst,
  };
}

function cut(font: PDFFont, line: string, size: number, width: number): string {
  let text = line;
  while (text.length > 1 && font.widthOfTextAtSize(text, size) > width) text = text.slice(0, -1);
  return text;
}

function drawLines(
  page: PDFPage,
  fonts: Fonts,
  block: TextBlock,
  leftMm: number,
  topMm: number,
): void {
  block.lines.forEach((line, i) => {
    page.drawText(line, {
      x: leftMm * POINTS_PER_MM,
      y: topMm * POINTS_PER_MM - (i + 0.85) * block.size * LINE_HEIGHT,
      size: block.size,
      font: block.hriFirst && i === 0 ? fonts.mono : fonts.text,
    });
  });
}

function snap(mm: number): number {
  // The epsilon keeps 0.1693 mm (4 dots) from flooring to 3 dots through rounding error.
  return Math.floor(mm * SNAP_PER_MM + 1e-9) / SNAP_PER_MM;
}

function pt(n: number): string {
  return n.toFixed(2);
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
