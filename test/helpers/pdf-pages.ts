// Test helper: a PDF's pages as PNG via poppler's pdftoppm, and crops of them for the barcode decoder.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PNG } from "pngjs";

export const PDFTOPPM = "/usr/bin/pdftoppm";

/** Renders the first `pages` pages at `dpi`, in page order. */
export async function pdfPagesAsPng(pdf: Uint8Array, dpi: number, pages = 1): Promise<PNG[]> {
  const dir = await mkdtemp(join(tmpdir(), "zhuisu-pdf-"));
  try {
    const file = join(dir, "labels.pdf");
    await writeFile(file, pdf);
    await promisify(execFile)(PDFTOPPM, [
      "-r",
      String(dpi),
      "-png",
      "-f",
      "1",
      "-l",
      String(pages),
      file,
      join(dir, "page"),
    ]);
    const names = (await readdir(dir)).filter((name) => name.endsWith(".png")).sort();
    return Promise.all(names.map(async (name) => PNG.sync.read(await readFile(join(dir, name)))));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A rectangle of a page, given in mm from its top-left corner, as PNG bytes. */
export function cropMm(
  page: PNG,
  dpi: number,
  box: { xMm: number; yMm: number; widthMm: number; heightMm: number },
): Uint8Array {
  const px = (mm: number) => Math.round((mm * dpi) / 25.4);
  const x0 = Math.max(0, px(box.xMm));
  const y0 = Math.max(0, px(box.yMm));
  const width = Math.min(page.width - x0, px(box.widthMm));
  const height = Math.min(page.height - y0, px(box.heightMm));
  const out = new PNG({ width, height });
  PNG.bitblt(page, out, x0, y0, width, height, 0, 0);
  return new Uint8Array(PNG.sync.write(out));
}
