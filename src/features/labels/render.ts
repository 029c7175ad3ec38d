// Label rendering: one symbol as SVG (any runtime) or PNG (Node), and A4 print sheets.
import bwipjs from "bwip-js/generic";
import {
  escapeMarkup,
  gs1DataMatrix,
  LabelRenderError,
  matrixSvg,
  QUIET_ZONE,
  qrMatrix,
  runBwip,
  toLabelError,
} from "./symbols";

export type { LabelSheetOptions, SheetLabel } from "./sheet";
export { labelSheetChunks, renderLabelSheet } from "./sheet";
export { LabelRenderError };

export type Symbology = "qr" | "datamatrix" | "gs1-128" | "ean13";
export type LabelFormat = "svg" | "png";

export interface LabelOptions<F extends LabelFormat = LabelFormat> {
  symbology: Symbology;
  /**
   * What the symbol carries, as formatted by `codes/`: the Digital Link URI for QR, the
   * bracketed element string for DataMatrix and GS1-128, the GTIN for EAN-13 (GTIN-13, a
   * GTIN-14 starting with 0, or an element string / Digital Link whose key is AI 01).
   */
  data: string;
  format: F;
  /**
   * Text under the symbol. Omitted: the symbology's own HRI (the digits or the bracketed
   * element string; none for QR, whose URI is no use to a reader: pass the element string).
   * `false`: no text. 2D PNGs are the bare symbol: a single line of HRI is far wider than a
   * QR or Data Matrix, and neither PNG encoder can wrap it (the SVG wraps it at AI boundaries).
   */
  humanText?: string | false | undefined;
  /**
   * Pixels per module (the narrowest bar for linear symbols), default 4. Data Matrix PNGs round
   * it up to an even number.
   */
  scale?: number | undefined;
}

export type RenderedLabel<F extends LabelFormat = LabelFormat> = F extends "svg"
  ? { contentType: "image/svg+xml"; body: string }
  : { contentType: "image/png"; body: Uint8Array<ArrayBuffer> };

const DEFAULT_SCALE = 4;

/** Linear quiet zones in modules: GS1-128 needs 10X each side, EAN-13 11X left and 7X right. */
const LINEAR_PADDING = {
  "gs1-128": { paddingleft: 10, paddingright: 10, paddingtop: 4, paddingbottom: 4 },
  ean13: { paddingleft: 11, paddingright: 7, paddingtop: 4, paddingbottom: 4 },
} as const;

/** bwip-js draws a Data Matrix module as 2 units, so its padding is twice the quiet zone. */
const DATAMATRIX_UNITS_PER_MODULE = 2;

export async function renderLabel<F extends LabelFormat>(
  options: LabelOptions<F>,
): Promise<RenderedLabel<F>> {
  if (options.format === "svg") {
    const body = renderLabelSvg(options);
    return { contentType: "image/svg+xml", body } as RenderedLabel<F>;
  }
  if (options.format === "png") {
    const body = await renderLabelPng(options);
    return { contentType: "image/png", body } as RenderedLabel<F>;
  }
  throw new LabelRenderError("validation_failed", `unknown label format ${String(options.format)}`);
}

/** Synchronous and free of Node APIs, so pages and Workers can inline labels. */
export function renderLabelSvg(options: Omit<LabelOptions, "format">): string {
  const scale = validScale(options.scale) ?? DEFAULT_SCALE;
  const { symbology, data, humanText } = options;
  switch (symbology) {
    case "qr":
      return matrixSvg(qrMatrix(data), {
        quietZone: QUIET_ZONE.qr,
        text: humanText || undefined,
        scale,
      });
    case "datamatrix":
      return matrixSvg(gs1DataMatrix(data), {
        quietZone: QUIET_ZONE.datamatrix,
        text: humanText === false ? undefined : (humanText ?? data),
        scale,
      });
    case "gs1-128":
    case "ean13": {
      const text = linearText(symbology, data);
      const svg = runBwip(symbologyName(symbology), () =>
        bwipjs.toSVG({ ...linearOptions(symbology, text, humanText), scale: 1 }),
      );
      return withSvgSize(svg, scale, humanText === false ? undefined : (humanText ?? text));
    }
    default:
      return unknownSymbology(symbology);
  }
}

/** PNG needs Node (zlib in bwip-js, pngjs in qrcode); the encoders load on first use. */
export async function renderLabelPng(
  options: Omit<LabelOptions, "format">,
): Promise<Uint8Array<ArrayBuffer>> {
  const scale = validScale(options.scale) ?? DEFAULT_SCALE;
  const { symbology, data, humanText } = options;
  switch (symbology) {
    case "qr": {
      const { toBuffer } = await import("qrcode");
      if (typeof toBuffer !== "function") {
        throw new LabelRenderError(
          "not_acceptable",
          "PNG labels need the Node runtime; ask for SVG",
        );
      }
      try {
        const png = await toBuffer(data, {
          type: "png",
          errorCorrectionLevel: "M",
          margin: QUIET_ZONE.qr,
          scale,
        });
        return new Uint8Array(png);
      } catch (error) {
        throw toLabelError("QR", error);
      }
    }
    case "datamatrix":
      return bwipPng("GS1 DataMatrix", {
        bcid: "gs1datamatrix",
        text: data,
        // bwip-js draws a module as 2 units at integer scales: round the module size up to even.
        scale: Math.ceil(scale / DATAMATRIX_UNITS_PER_MODULE),
        padding: QUIET_ZONE.datamatrix * DATAMATRIX_UNITS_PER_MODULE,
        backgroundcolor: "FFFFFF",
      });
    case "gs1-128":
    case "ean13":
      return bwipPng(symbologyName(symbology), {
        ...linearOptions(symbology, linearText(symbology, data), humanText),
        scale,
      });
    default:
      return unknownSymbology(symbology);
  }
}

type BwipOptions = Parameters<typeof bwipjs.toSVG>[0];

/** Copies out of Node's Buffer pool: callers get a Uint8Array that owns its ArrayBuffer. */
async function bwipPng(symbology: string, options: BwipOptions): Promise<Uint8Array<ArrayBuffer>> {
  const { toBuffer } = await import("bwip-js/node");
  try {
    return new Uint8Array(await toBuffer(options));
  } catch (error) {
    throw toLabelError(symbology, error);
  }
}

function linearOptions(
  symbology: "gs1-128" | "ean13",
  text: string,
  humanText: string | false | undefined,
): BwipOptions {
  return {
    bcid: symbology === "ean13" ? "ean13" : "gs1-128",
    text,
    ...LINEAR_PADDING[symbology],
    includetext: humanText !== false,
    ...(typeof humanText === "string" ? { alttext: humanText } : {}),
    backgroundcolor: "FFFFFF",
  };
}

/** EAN-13 carries only a GTIN-13; the rest pass through for bwip-js to validate. */
function linearText(symbology: "gs1-128" | "ean13", data: string): string {
  return symbology === "ean13" ? ean13Digits(data) : data;
}

export function ean13Digits(data: string): string {
  const gtin = /^\d{13,14}$/.test(data)
    ? data
    : (/^\(01\)(\d{14})/.exec(data)?.[1] ?? /\/01\/(\d{14})(?=[/?#]|$)/.exec(data)?.[1]);
  if (gtin === undefined) {
    throw new LabelRenderError(
      "validation_failed",
      "EAN-13: expected a GTIN-13, a GTIN-14 or an element string / Digital Link keyed by AI 01",
    );
  }
  if (gtin.length === 13) return gtin;
  if (!gtin.startsWith("0")) {
    throw new LabelRenderError(
      "validation_failed",
      `EAN-13: GTIN-14 ${gtin} has indicator digit ${gtin[0]}; only a GTIN-14 starting with 0 ` +
        "(a GTIN-13) fits in EAN-13, use gs1-128 or datamatrix",
    );
  }
  return gtin.slice(1);
}

/** bwip-js SVGs have a viewBox only; give them a pixel size and an accessible name. */
function withSvgSize(svg: string, scale: number, text: string | undefined): string {
  const label = text ? escapeMarkup(text) : "";
  return svg.replace(
    /^<svg viewBox="0 0 ([\d.]+) ([\d.]+)"([^>]*)>/,
    (_open, width: string, height: string, attributes: string) =>
      `<svg viewBox="0 0 ${width} ${height}"${attributes}` +
      ` width="${Number(width) * scale}" height="${Number(height) * scale}" role="img"` +
      (label ? ` aria-label="${label}"><title>${label}</title>` : ">"),
  );
}

function validScale(scale: number | undefined): number | undefined {
  if (scale === undefined) return undefined;
  if (!Number.isInteger(scale) || scale < 1 || scale > 40) {
    throw new LabelRenderError(
      "validation_failed",
      `scale must be an integer from 1 to 40, got ${scale}`,
    );
  }
  return scale;
}

function symbologyName(symbology: "gs1-128" | "ean13"): string {
  return symbology === "ean13" ? "EAN-13" : "GS1-128";
}

function unknownSymbology(symbology: never): never {
  throw new LabelRenderError("validation_failed", `unknown symbology ${String(symbology)}`);
}
