// 2D symbols as module matrices and their compact SVG form, shared by single labels and sheets.
import bwipjs from "bwip-js/generic";
import { create as createQr } from "qrcode";
import { AppError } from "../../lib/errors";

/**
 * Data a symbology cannot carry (422), or a PNG asked of a runtime without Node (406). An
 * AppError, so the app's onError answers it as problem+json with no mapping in the route.
 */
export class LabelRenderError extends AppError {
  override name = "LabelRenderError";
  constructor(code: "validation_failed" | "not_acceptable", detail: string) {
    super(code, detail);
  }
}

/** Row-major dark/light modules of a 2D symbol, without its quiet zone. */
export interface ModuleMatrix {
  readonly width: number;
  readonly height: number;
  readonly dark: ArrayLike<number | boolean>;
}

/** Quiet zones in modules: QR needs 4 (ISO/IEC 18004), Data Matrix 1; 2 leaves room for print gain. */
export const QUIET_ZONE = { qr: 4, datamatrix: 2 } as const;

export function qrMatrix(uri: string): ModuleMatrix {
  try {
    const { modules } = createQr(uri, { errorCorrectionLevel: "M" });
    return { width: modules.size, height: modules.size, dark: modules.data };
  } catch (error) {
    throw toLabelError("QR", error);
  }
}

export function gs1DataMatrix(elementString: string): ModuleMatrix {
  const [symbol] = runBwip("GS1 DataMatrix", () =>
    bwipjs.raw({ bcid: "gs1datamatrix", text: elementString }),
  );
  if (!symbol || !("pixs" in symbol)) {
    throw new LabelRenderError("validation_failed", "GS1 DataMatrix: no symbol was produced");
  }
  return { width: symbol.pixx, height: symbol.pixy, dark: symbol.pixs };
}

/** Bar and space widths in modules, bar first, of a GS1-128 without its quiet zones. */
export interface LinearBars {
  readonly widths: readonly number[];
  readonly modules: number;
}

/** GS1-128 quiet zone each side, in modules. */
export const LINEAR_QUIET_ZONE = 10;

export function gs1128Bars(elementString: string): LinearBars {
  const [symbol] = runBwip("GS1-128", () => bwipjs.raw({ bcid: "gs1-128", text: elementString }));
  if (!symbol || !("sbs" in symbol)) {
    throw new LabelRenderError("validation_failed", "GS1-128: no symbol was produced");
  }
  const widths = symbol.sbs;
  return { widths, modules: widths.reduce((sum, w) => sum + w, 0) };
}

/** Horizontal runs of dark modules, row by row: what both the SVG path and the PDF fill draw. */
export function* darkRuns(
  matrix: ModuleMatrix,
): Generator<{ x: number; y: number; length: number }> {
  const { width, height, dark } = matrix;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let x = 0;
    while (x < width) {
      if (!dark[row + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < width && dark[row + x]) x++;
      yield { x: start, y, length: x - start };
    }
  }
}

/**
 * One path of horizontal 1-module strokes, relative moves within a row: about half the bytes of
 * one rectangle per module run, which matters when a sheet inlines ten thousand symbols.
 */
export function matrixPath(matrix: ModuleMatrix, quietZone: number): string {
  let d = "";
  let penRow = -1;
  let penX = 0;
  for (const { x, y, length } of darkRuns(matrix)) {
    d +=
      y === penRow ? `m${x - penX} 0h${length}` : `M${x + quietZone} ${y + quietZone}.5h${length}`;
    penRow = y;
    penX = x + length;
  }
  return d;
}

export interface MatrixSvgOptions {
  quietZone: number;
  /** Human-readable text set under the symbol, wrapped to its width. */
  text?: string | undefined;
  /** Pixels per module for the width/height attributes; omitted, the SVG fills its container. */
  scale?: number | undefined;
  /** Inline SVG in HTML needs neither the namespace nor a title (the label text is beside it). */
  inline?: boolean | undefined;
}

const TEXT_CHARS_PER_LINE = 26;
/** Monospace advance is about 0.6 em: a full line leaves a character of margin each side. */
const TEXT_EM_PER_WIDTH = 1 / ((TEXT_CHARS_PER_LINE + 2) * 0.6);

export function matrixSvg(matrix: ModuleMatrix, options: MatrixSvgOptions): string {
  const q = options.quietZone;
  const width = matrix.width + 2 * q;
  const symbolHeight = matrix.height + 2 * q;
  const path = `<path stroke="#000" d="${matrixPath(matrix, q)}"/>`;
  if (options.inline) {
    return `<svg viewBox="0 0 ${width} ${symbolHeight}" shape-rendering="crispEdges">${path}</svg>`;
  }
  const lines = options.text ? wrapText(options.text, TEXT_CHARS_PER_LINE) : [];
  const fontSize = round2(width * TEXT_EM_PER_WIDTH);
  const lineHeight = fontSize * 1.2;
  const height = round2(symbolHeight + (lines.length > 0 ? lines.length * lineHeight + q / 2 : 0));
  const size =
    options.scale === undefined
      ? ""
      : ` width="${round2(width * options.scale)}" height="${round2(height * options.scale)}"`;
  const label = options.text ? escapeMarkup(options.text) : "";
  const textElements = lines
    .map(
      (line, i) =>
        `<text x="${width / 2}" y="${round2(symbolHeight + (i + 0.85) * lineHeight)}">${escapeMarkup(line)}</text>`,
    )
    .join("");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}"${size}` +
    ` shape-rendering="crispEdges" role="img"${label ? ` aria-label="${label}"` : ""}>` +
    (label ? `<title>${label}</title>` : "") +
    `<rect width="100%" height="100%" fill="#fff"/>${path}` +
    (lines.length > 0
      ? `<g font-family="OCR-B, ui-monospace, monospace" font-size="${fontSize}" text-anchor="middle" fill="#000">${textElements}</g>`
      : "") +
    "</svg>"
  );
}

/** Breaks before "(" or after "/" when it can, so element strings and URIs wrap at AI boundaries. */
export function wrapText(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while ([...rest].length > maxChars) {
    const chars = [...rest];
    const head = chars.slice(0, maxChars).join("");
    // A "(" just past the limit is a clean break too: the line ends exactly at its AI.
    const window = chars.slice(0, maxChars + 1).join("");
    const breakAt = Math.max(window.lastIndexOf("("), head.lastIndexOf("/") + 1);
    const cut = breakAt > 0 ? breakAt : head.length;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest) lines.push(rest);
  return lines;
}

const MARKUP_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML and XML content and quoted attributes alike. */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (c) => MARKUP_ESCAPES[c] ?? c);
}

export function runBwip<T>(symbology: string, render: () => T): T {
  try {
    return render();
  } catch (error) {
    throw toLabelError(symbology, error);
  }
}

/** bwip-js throws `Error("bwipp.GS1badChecksum#3251: AI 01: Bad checksum")`; keep the readable part. */
export function toLabelError(symbology: string, error: unknown): LabelRenderError {
  if (error instanceof LabelRenderError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LabelRenderError(
    "validation_failed",
    `${symbology}: ${message.replace(/^bwip(?:p|-js)\.\w+#?\d*:\s*/, "")}`,
  );
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
