// Test helper: decodes a barcode PNG back to the text a scanner would send, via zxing.
import {
  BarcodeFormat,
  BinaryBitmap,
  Code128Reader,
  DataMatrixReader,
  DecodeHintType,
  EAN13Reader,
  HybridBinarizer,
  QRCodeReader,
  type Reader,
  type Result,
  RGBLuminanceSource,
} from "@zxing/library";
import { PNG } from "pngjs";

export type DecodedFormat = "qr" | "datamatrix" | "gs1-128" | "code128" | "ean13";

export interface DecodedBarcode {
  format: DecodedFormat;
  /**
   * As a scanner with symbology identifiers on transmits it: GS1 symbols start with `]C1`
   * (GS1-128) or `]d2` (GS1 DataMatrix) and separate variable-length fields with GS (ASCII 29).
   */
  text: string;
}

export interface DecodeOptions {
  /** Restricts the readers tried; default all four label symbologies. */
  formats?: readonly ReadableFormat[];
  /** White border added around the image: zxing's 1D readers give up without a quiet zone. */
  quietZonePx?: number;
}

const GS = "\u001d";

type ReadableFormat = "qr" | "datamatrix" | "code128" | "ean13";

// One reader per format rather than MultiFormatReader, which logs every reader that fails.
const READERS: Record<ReadableFormat, () => Reader> = {
  qr: () => new QRCodeReader(),
  datamatrix: () => new DataMatrixReader(),
  code128: () => new Code128Reader(),
  ean13: () => new EAN13Reader(),
};

/** Throws zxing's NotFound/Checksum/Format exception when nothing readable is found. */
export function decodeBarcode(png: Uint8Array, options: DecodeOptions = {}): DecodedBarcode {
  const formats = options.formats ?? (["qr", "datamatrix", "code128", "ean13"] as const);
  const image = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  const { luminance, width, height } = padded(image, options.quietZonePx ?? 40);
  const bitmap = new BinaryBitmap(
    new HybridBinarizer(new RGBLuminanceSource(luminance, width, height)),
  );
  const hints = new Map<DecodeHintType, unknown>([
    [DecodeHintType.TRY_HARDER, true],
    // Without it Code 128 drops FNC1, and the AIs of a GS1-128 run together.
    [DecodeHintType.ASSUME_GS1, true],
    // zxing guesses the byte-mode charset otherwise, and guesses Shift_JIS for some UTF-8.
    [DecodeHintType.CHARACTER_SET, "UTF-8"],
  ]);
  // Small, clean renders can defeat the finder-pattern search; then read them as whole symbols.
  const attempts = [hints, new Map([...hints, [DecodeHintType.PURE_BARCODE, true]])];
  let firstError: unknown;
  for (const attempt of attempts) {
    for (const format of formats) {
      try {
        return scannerForm(READERS[format]().decode(bitmap, attempt));
      } catch (error) {
        firstError ??= error;
      }
    }
  }
  throw firstError;
}

function scannerForm(result: Result): DecodedBarcode {
  const text = result.getText();
  switch (result.getBarcodeFormat()) {
    case BarcodeFormat.QR_CODE:
      return { format: "qr", text };
    case BarcodeFormat.DATA_MATRIX:
      // zxing reports a leading FNC1 as GS; a scanner sends the ]d2 identifier instead.
      return { format: "datamatrix", text: text.startsWith(GS) ? `]d2${text.slice(1)}` : text };
    case BarcodeFormat.CODE_128: {
      const data = withoutChecksumAsFnc1(text);
      return { format: data.startsWith("]C1") ? "gs1-128" : "code128", text: data };
    }
    case BarcodeFormat.EAN_13:
      return { format: "ean13", text };
    default:
      throw new Error(`unexpected barcode format ${result.getBarcodeFormat()}`);
  }
}

/**
 * zxing reads a check symbol of value 102 as FNC1 and, under ASSUME_GS1, leaves a GS at the end
 * of the text (it only strips a check symbol that decoded as a printable character). A scanner
 * drops the check symbol whatever its value, and a GS1 element string never ends with a
 * separator, so a trailing GS is that check symbol. Which labels hit it depends on their data:
 * about one GTIN in a hundred.
 */
function withoutChecksumAsFnc1(text: string): string {
  return text.startsWith("]C1") && text.endsWith(GS) ? text.slice(0, -1) : text;
}

/**
 * AIs whose element strings have a predefined length, by their first two digits (GS1 General
 * Specifications, figure 7.8.5-2): every other field ends with GS unless it is the last.
 */
// biome-ignore format: a table reads better in rows
const PREDEFINED_LENGTH: Record<string, number> = {
  "00": 20, "01": 16, "02": 16, "03": 16, "04": 18,
  "11": 8, "12": 8, "13": 8, "14": 8, "15": 8, "16": 8, "17": 8, "18": 8, "19": 8, "20": 4,
  "31": 10, "32": 10, "33": 10, "34": 10, "35": 10, "36": 10, "41": 16,
};

/** The scanner form of a bracketed element string, to compare with `decodeBarcode().text`. */
export function elementStringAsScanned(bracketed: string, symbologyId: "]C1" | "]d2"): string {
  const fields = [...bracketed.matchAll(/\((\d{2,4})\)([^(]*)/g)];
  return (
    symbologyId +
    fields
      .map(([, ai = "", value = ""], i) => {
        const last = i === fields.length - 1;
        const fixed = PREDEFINED_LENGTH[ai.slice(0, 2)] !== undefined;
        return ai + value + (last || fixed ? "" : GS);
      })
      .join("")
  );
}

/** Grey levels with alpha composited onto white, inside a white border. */
function padded(image: PNG, border: number) {
  const width = image.width + 2 * border;
  const height = image.height + 2 * border;
  const luminance = new Uint8ClampedArray(width * height).fill(255);
  const { data } = image;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 4;
      const alpha = (data[i + 3] ?? 255) / 255;
      const grey =
        ((data[i] ?? 0) * 299 + (data[i + 1] ?? 0) * 587 + (data[i + 2] ?? 0) * 114) / 1000;
      luminance[(y + border) * width + x + border] = grey * alpha + 255 * (1 - alpha);
    }
  }
  return { luminance, width, height };
}
