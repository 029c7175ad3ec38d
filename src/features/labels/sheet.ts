// A4 label sheets as printable HTML, streamed page by page so a route can send 10,000 labels.
import {
  escapeMarkup,
  gs1DataMatrix,
  LabelRenderError,
  type ModuleMatrix,
  matrixSvg,
  QUIET_ZONE,
  qrMatrix,
} from "./symbols";

export interface SheetLabel {
  /** Digital Link URI: what a QR label carries. */
  uri: string;
  /** Bracketed element string: what a DataMatrix label carries, and the HRI of both. */
  elementString: string;
  title?: string | undefined;
  lines?: readonly string[] | undefined;
  /**
   * GTIN, lot, expiry and serial as printed with a printer's standard fonts (PDF, ZPL), which
   * have no Chinese glyphs: `title` and `lines` are for the HTML sheet.
   */
  fields?: LabelFields | undefined;
}

export interface LabelFields {
  gtin: string;
  lot?: string | undefined;
  /** ISO date. */
  expiry?: string | undefined;
  serial?: string | undefined;
  /** The product's English name, printed when it is plain ASCII. */
  name?: string | undefined;
}

export type PrintSymbology = "qr" | "datamatrix" | "gs1-128";

/**
 * What a label's symbol carries: the Digital Link URI for QR, the element string otherwise.
 * Every output (HTML sheet, PDF, ZPL) asks here, so a new form of the data is one change.
 */
export function symbolData(label: SheetLabel, symbology: PrintSymbology): string {
  return symbology === "qr" ? label.uri : label.elementString;
}

/** The human-readable lines of a label in ASCII: name, GTIN, lot, expiry, serial. */
export function printedLines(label: SheetLabel): string[] {
  const f = label.fields;
  if (!f) return [label.elementString];
  const lines: string[] = [];
  if (f.name && /^[\x20-\x7e]+$/.test(f.name)) lines.push(f.name);
  lines.push(`GTIN ${f.gtin}`);
  if (f.lot !== undefined) lines.push(`LOT ${f.lot}`);
  if (f.expiry !== undefined) lines.push(`EXP ${f.expiry}`);
  if (f.serial !== undefined) lines.push(`SN ${f.serial}`);
  return lines;
}

export interface LabelSheetOptions {
  labels: readonly SheetLabel[];
  perRow: number;
  labelWidthMm: number;
  labelHeightMm: number;
  symbology: "qr" | "datamatrix";
  /** BCP 47 tag for `<html lang>`, which picks CJK glyphs; default zh-CN. */
  lang?: string | undefined;
  /** Called as each page is rendered, with the labels rendered so far. */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

const A4 = { width: 210, height: 297 } as const;
/** Most office printers cannot print closer than about 5 mm to the edge. */
const MIN_MARGIN_MM = 5;
const LABEL_PADDING_MM = 1.5;
/** Hand the event loop back this often, so a server streaming a big sheet keeps answering. */
const LABELS_BETWEEN_YIELDS = 250;

interface Layout {
  rowsPerPage: number;
  marginX: number;
  marginY: number;
  symbolMm: number;
  direction: "row" | "column";
}

export async function renderLabelSheet(options: LabelSheetOptions): Promise<string> {
  const chunks: string[] = [];
  for await (const chunk of labelSheetChunks(options)) chunks.push(chunk);
  return chunks.join("");
}

/** The same document as `renderLabelSheet`, one chunk for the head and one per page. */
export async function* labelSheetChunks(options: LabelSheetOptions): AsyncGenerator<string> {
  const layout = sheetLayout(options);
  const lang = sheetLang(options.lang);
  const { labels, perRow, onProgress } = options;
  const perPage = perRow * layout.rowsPerPage;
  const encode = options.symbology === "qr" ? qrSymbol : dataMatrixSymbol;
  yield sheetHead(options, layout, lang);
  let sinceYield = 0;
  for (let start = 0; start < labels.length; start += perPage) {
    const page = labels.slice(start, start + perPage);
    let html = '<section class="page">';
    for (const label of page) html += labelHtml(label, encode);
    html += "</section>\n";
    onProgress?.(start + page.length, labels.length);
    yield html;
    sinceYield += page.length;
    if (sinceYield >= LABELS_BETWEEN_YIELDS) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
  }
  if (labels.length === 0) onProgress?.(0, 0);
  yield "</body>\n</html>\n";
}

function qrSymbol(label: SheetLabel): string {
  return inlineSymbol(qrMatrix(symbolData(label, "qr")), QUIET_ZONE.qr);
}

function dataMatrixSymbol(label: SheetLabel): string {
  return inlineSymbol(gs1DataMatrix(symbolData(label, "datamatrix")), QUIET_ZONE.datamatrix);
}

function inlineSymbol(matrix: ModuleMatrix, quietZone: number): string {
  return matrixSvg(matrix, { quietZone, inline: true });
}

function labelHtml(label: SheetLabel, encode: (label: SheetLabel) => string): string {
  let text = "";
  if (label.title) text += `<div class="title">${escapeMarkup(label.title)}</div>`;
  for (const line of label.lines ?? []) text += `<div>${escapeMarkup(line)}</div>`;
  text += `<div class="hri">${escapeMarkup(label.elementString)}</div>`;
  return `<div class="label">${encode(label)}<div class="text">${text}</div></div>`;
}

function sheetLayout(options: LabelSheetOptions): Layout {
  const { perRow, labelWidthMm: w, labelHeightMm: h } = options;
  if (!Number.isInteger(perRow) || perRow < 1) {
    throw new LabelRenderError(
      "validation_failed",
      `perRow must be a positive integer, got ${perRow}`,
    );
  }
  if (!(w > 0 && h > 0 && Number.isFinite(w) && Number.isFinite(h))) {
    throw new LabelRenderError(
      "validation_failed",
      "label width and height must be positive numbers",
    );
  }
  const printable = { width: A4.width - 2 * MIN_MARGIN_MM, height: A4.height - 2 * MIN_MARGIN_MM };
  if (perRow * w > printable.width) {
    throw new LabelRenderError(
      "validation_failed",
      `${perRow} labels of ${w} mm need ${perRow * w} mm; an A4 row has ${printable.width} mm`,
    );
  }
  const rowsPerPage = Math.floor(printable.height / h);
  if (rowsPerPage < 1) {
    throw new LabelRenderError(
      "validation_failed",
      `a label ${h} mm high does not fit the ${printable.height} mm of an A4 page`,
    );
  }
  // Rounding the margins down leaves the grid a hair of slack, so no page spills onto the next.
  const marginX = floor1((A4.width - perRow * w) / 2);
  const marginY = floor1((A4.height - rowsPerPage * h) / 2);
  const innerW = w - 2 * LABEL_PADDING_MM;
  const innerH = h - 2 * LABEL_PADDING_MM;
  // Wide labels put the text beside the symbol, tall ones under it.
  const direction = w >= h * 1.3 ? "row" : "column";
  const symbolMm = floor1(
    direction === "row" ? Math.min(innerH, innerW * 0.5) : Math.min(innerW, innerH * 0.65),
  );
  return { rowsPerPage, marginX, marginY, symbolMm, direction };
}

function sheetLang(lang: string | undefined): string {
  if (lang === undefined) return "zh-CN";
  if (!/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/.test(lang)) {
    throw new LabelRenderError("validation_failed", `lang must be a BCP 47 tag, got ${lang}`);
  }
  return lang;
}

function sheetHead(options: LabelSheetOptions, layout: Layout, lang: string): string {
  const { perRow, labelWidthMm: w, labelHeightMm: h } = options;
  const { marginX, marginY, symbolMm, direction } = layout;
  const title = lang.toLowerCase().startsWith("zh") ? "追溯标签" : "Traceability labels";
  return `<!doctype html>
<html lang="${escapeMarkup(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
@page { size: A4; margin: ${marginY}mm ${marginX}mm; }
*, *::before, *::after { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body {
  font-family: system-ui, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
  color: #000; -webkit-print-color-adjust: exact; print-color-adjust: exact;
}
.page {
  display: grid; grid-template-columns: repeat(${perRow}, ${w}mm); grid-auto-rows: ${h}mm;
  break-after: page; page-break-after: always;
}
.page:last-of-type { break-after: auto; page-break-after: auto; }
.label {
  display: flex; flex-direction: ${direction}; align-items: center; gap: ${LABEL_PADDING_MM}mm;
  padding: ${LABEL_PADDING_MM}mm; overflow: hidden; break-inside: avoid; page-break-inside: avoid;
}
.label svg { flex: none; width: ${symbolMm}mm; height: ${symbolMm}mm; }
.text { min-width: 0; max-width: 100%; font-size: 7pt; line-height: 1.2; overflow-wrap: anywhere; }
.title { font-size: 8pt; font-weight: 600; }
.hri { font-family: "OCR-B", ui-monospace, monospace; font-size: 6pt; }
@media screen {
  body { background: #e5e5e5; }
  .page {
    width: ${A4.width}mm; min-height: ${A4.height}mm; margin: 8mm auto;
    padding: ${marginY}mm ${marginX}mm; background: #fff; box-shadow: 0 1px 4px #0003;
  }
}
</style>
</head>
<body>
`;
}

function floor1(mm: number): number {
  return Math.floor(mm * 10) / 10;
}
