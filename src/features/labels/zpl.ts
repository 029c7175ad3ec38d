// Labels as ZPL for thermal printers: the printer draws each symbol with its own ^BQ, ^BX, ^BC.
import { parseBracketed } from "../../codes";
import { aiEntry, fixedValueLength } from "../../codes/ai";
import { type PrintSymbology, printedLines, type SheetLabel, symbolData } from "./sheet";
import { type LabelStock, MM_PER_INCH } from "./stock";
import {
  gs1DataMatrix,
  LabelRenderError,
  LINEAR_QUIET_ZONE,
  QUIET_ZONE,
  qrMatrix,
} from "./symbols";

export const ZPL_DPIS = [203, 300] as const;
export type ZplDpi = (typeof ZPL_DPIS)[number];

export interface ZplLabelOptions {
  labels: readonly SheetLabel[];
  stock: LabelStock;
  symbology: PrintSymbology;
  dpi: ZplDpi;
}

const PADDING_MM = 2;
const GAP_MM = 1.5;
/** Smallest module in mm, as for PDF: 0.25 mm for 2D, two 300 dpi dots for linear symbols. */
const MIN_MODULE_MM = { matrix: 0.25, linear: (2 * 25.4) / 300 } as const;
/** ^A0 (the scalable font) averages about 0.55 of its height per character. */
const FONT_WIDTH_PER_HEIGHT = 0.55;

/** One `^XA … ^XZ` format per label; a printer prints them in turn from one stream. */
export function* zplLabels(options: ZplLabelOptions): Generator<string> {
  const { stock, dpi } = options;
  if (!stock.roll) {
    throw new LabelRenderError(
      "validation_failed",
      `stock: ZPL is for thermal roll labels; ${stock.id} is a sheet, print it as PDF`,
    );
  }
  if (!ZPL_DPIS.includes(dpi)) {
    throw new LabelRenderError("validation_failed", `dpi: one of ${ZPL_DPIS.join(", ")}`);
  }
  for (const label of options.labels) yield zplLabel(label, options);
}

export function renderLabelsZpl(options: ZplLabelOptions): string {
  return [...zplLabels(options)].join("");
}

function zplLabel(label: SheetLabel, { stock, symbology, dpi }: ZplLabelOptions): string {
  const dots = (mm: number) => Math.round((mm * dpi) / MM_PER_INCH);
  const width = dots(stock.labelWidthMm);
  const height = dots(stock.labelHeightMm);
  const pad = dots(PADDING_MM);
  const inner = { width: width - 2 * pad, height: height - 2 * pad };
  const data = symbolData(label, symbology);
  const lines = printedLines(label);
  let body: string;
  if (symbology === "gs1-128") {
    const x = linearModule(data, inner.width, dpi, stock);
    const textHeight = Math.floor(inner.height * 0.45);
    const text = [label.elementString, ...lines];
    const font = fontDots(text, inner.width, textHeight);
    const barHeight = inner.height - text.length * font - dots(GAP_MM) / 2;
    body =
      `^FO${pad},${pad}^BY${x},3,${barHeight}^BCN,${barHeight},N,N,N^FD${code128Data(data)}^FS\n` +
      textLines(text, pad, pad + barHeight + Math.round(dots(GAP_MM) / 2), font);
  } else {
    const matrix = symbology === "qr" ? qrMatrix(data) : gs1DataMatrix(data);
    const quiet = symbology === "qr" ? QUIET_ZONE.qr : QUIET_ZONE.datamatrix;
    const side = Math.min(inner.height, Math.floor(inner.width * 0.55));
    const module = Math.min(10, Math.floor(side / (matrix.width + 2 * quiet)));
    const minDots = Math.ceil((MIN_MODULE_MM.matrix * dpi) / MM_PER_INCH - 1e-9);
    if (module < minDots) {
      throw new LabelRenderError(
        "validation_failed",
        `symbology: a ${symbology} of ${matrix.width} modules does not fit ${stock.id} at ${dpi} dpi ` +
          `with modules of ${minDots} dots`,
      );
    }
    const at = pad + quiet * module;
    const symbol =
      symbology === "qr"
        ? `^BQN,2,${module}^FH_^FDMA,${hexEscaped(data)}^FS`
        : `^BXN,${module},200,0,0,6,_^FD${dataMatrixData(data)}^FS`;
    const textLeft = at + matrix.width * module + dots(GAP_MM);
    const font = fontDots(lines, width - pad - textLeft, inner.height);
    body = `^FO${at},${at}${symbol}\n${textLines(lines, textLeft, at, font)}`;
  }
  return `^XA\n^CI28\n^PW${width}\n^LL${height}\n^LH0,0\n${body}^XZ\n`;
}

function linearModule(elementString: string, width: number, dpi: ZplDpi, stock: LabelStock) {
  const { modules } = code128Modules(elementString);
  const total = modules + 2 * LINEAR_QUIET_ZONE;
  const x = Math.min(10, Math.floor(width / total));
  const minDots = Math.ceil((MIN_MODULE_MM.linear * dpi) / MM_PER_INCH - 1e-9);
  if (x < minDots) {
    throw new LabelRenderError(
      "validation_failed",
      `symbology: GS1-128 of ${elementString} is ${total} modules, ${total * minDots} dots at ` +
        `${minDots} dots a bar; ${stock.id} at ${dpi} dpi has ${width}: print it as qr or datamatrix, or on wider stock`,
    );
  }
  return x;
}

/** A GS1 element string as fields, each marked when an FNC1 must end it (variable length, not last). */
function gs1Fields(elementString: string): { data: string; fnc1After: boolean }[] {
  const parsed = parseBracketed(elementString);
  if (!parsed.ok) {
    throw new LabelRenderError("validation_failed", `not an element string: ${elementString}`);
  }
  return parsed.value.map(({ ai, value }, i, all) => {
    const entry = aiEntry(ai);
    const fixed = entry !== undefined && fixedValueLength(entry) !== undefined;
    return { data: ai + value, fnc1After: !fixed && i < all.length - 1 };
  });
}

type Code128Token =
  | { kind: "fnc1" }
  | { kind: "pair"; digits: string }
  | { kind: "char"; c: string };

/**
 * Code 128 tokens of a GS1-128: start C with FNC1, digit pairs in set C, set B for the rest,
 * back to C for a run of 4 digits or more. `modules` is the symbol's width without quiet zones.
 */
function code128Plan(elementString: string): { tokens: (Code128Token | "toB" | "toC")[] } {
  const tokens: (Code128Token | "toB" | "toC")[] = [{ kind: "fnc1" }];
  let set: "B" | "C" = "C";
  for (const field of gs1Fields(elementString)) {
    const s = field.data;
    let i = 0;
    while (i < s.length) {
      const run = /^\d*/.exec(s.slice(i))?.[0].length ?? 0;
      if (set === "C") {
        if (run >= 2) {
          tokens.push({ kind: "pair", digits: s.slice(i, i + 2) });
          i += 2;
          continue;
        }
        tokens.push("toB");
        set = "B";
      }
      // An even run of 4 or more digits (or an odd one after its first digit) is shorter in C.
      if (run >= 4 && run % 2 === 0) {
        tokens.push("toC");
        set = "C";
        continue;
      }
      tokens.push({ kind: "char", c: s.charAt(i) });
      i++;
    }
    if (field.fnc1After) tokens.push({ kind: "fnc1" });
  }
  return { tokens };
}

function code128Modules(elementString: string): { modules: number } {
  // Start, each token and each set switch, check symbol: 11 modules each; stop: 13.
  const { tokens } = code128Plan(elementString);
  return { modules: (tokens.length + 2) * 11 + 13 };
}

/** ZPL ^BC field data: `>;` start C, `>8` FNC1, `>6` to set B, `>5` to set C, `><` a literal ">". */
export function code128Data(elementString: string): string {
  let out = ">;";
  for (const token of code128Plan(elementString).tokens) {
    if (token === "toB") out += ">6";
    else if (token === "toC") out += ">5";
    else if (token.kind === "fnc1") out += ">8";
    else if (token.kind === "pair") out += token.digits;
    else out += token.c === ">" ? "><" : token.c;
  }
  return out;
}

/** ZPL ^BX field data with escape "_": `_1` is FNC1 (first, and after variable fields), `__` a "_". */
export function dataMatrixData(elementString: string): string {
  let out = "_1";
  for (const field of gs1Fields(elementString)) {
    out += field.data.replaceAll("_", "__");
    if (field.fnc1After) out += "_1";
  }
  return out;
}

/** ^FH_ field data: the characters ZPL would read as commands, and the escape itself, in hex. */
function hexEscaped(text: string): string {
  return text.replace(/[_^~]/g, (c) => `_${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function fontDots(lines: readonly string[], width: number, height: number): number {
  const longest = Math.max(1, ...lines.map((line) => line.length));
  const byWidth = width / (longest * FONT_WIDTH_PER_HEIGHT);
  const byHeight = height / lines.length;
  return Math.max(10, Math.floor(Math.min(byWidth, byHeight, 40)));
}

function textLines(lines: readonly string[], left: number, top: number, font: number): string {
  return lines
    .map(
      (line, i) =>
        `^FO${left},${top + i * font}^A0N,${font},${font}^FH_^FD${hexEscaped(line)}^FS\n`,
    )
    .join("");
}
