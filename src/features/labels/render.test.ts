// Labels decode back to the data they were given, and sheets are safe, printable HTML.
import fc from "fast-check";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { decodeBarcode, elementStringAsScanned } from "../../../test/helpers/decode-barcode";
import {
  LabelRenderError,
  labelSheetChunks,
  renderLabel,
  renderLabelSheet,
  renderLabelSvg,
  type SheetLabel,
} from "./render";
import { escapeMarkup, matrixPath, wrapText } from "./symbols";

const URI = "https://zhuisu.example/01/06901234567892/10/LOT1/21/AbC123xyz";
const ELEMENT_STRING = "(01)06901234567892(10)LOT1(21)AbC123xyz";

async function png(options: Parameters<typeof renderLabelSvg>[0]): Promise<Uint8Array> {
  const label = await renderLabel({ ...options, format: "png" });
  expect(label.contentType).toBe("image/png");
  return label.body;
}

/** Enough of an XML well-formedness check for generated SVG: one root, balanced tags. */
function expectWellFormedSvg(svg: string): void {
  expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  expect(svg.trimEnd()).toMatch(/<\/svg>$/);
  const open: string[] = [];
  for (const [tag, slash, name = "", selfClosing] of svg.matchAll(
    /<(\/?)([a-zA-Z][\w:-]*)(?:\s[^<>]*?)?(\/?)>/g,
  )) {
    if (selfClosing) continue;
    if (slash) expect(open.pop(), tag).toBe(name);
    else open.push(name);
  }
  expect(open).toEqual([]);
  expect(svg.replace(/<[^<>]*>/g, "")).not.toMatch(/[<>]|&(?!(?:amp|lt|gt|quot|#39);)/);
}

describe("decoded back from PNG", () => {
  it("QR holds the Digital Link URI", async () => {
    const decoded = decodeBarcode(await png({ symbology: "qr", data: URI }));
    expect(decoded).toEqual({ format: "qr", text: URI });
  });

  it("QR at one pixel per module still reads", async () => {
    const decoded = decodeBarcode(await png({ symbology: "qr", data: URI, scale: 1 }));
    expect(decoded.text).toBe(URI);
  });

  it("QR round-trips a Unicode serial", async () => {
    const uri = "https://zhuisu.example/01/06901234567892/21/批次-Ünï-😀";
    const decoded = decodeBarcode(await png({ symbology: "qr", data: uri }));
    expect(decoded.text).toBe(uri);
  });

  it("GS1 DataMatrix holds the element string, FNC1 first and GS after variable fields", async () => {
    const decoded = decodeBarcode(await png({ symbology: "datamatrix", data: ELEMENT_STRING }));
    expect(decoded).toEqual({
      format: "datamatrix",
      text: elementStringAsScanned(ELEMENT_STRING, "]d2"),
    });
    expect(decoded.text).toBe("]d2010690123456789210LOT1\u001d21AbC123xyz");
  });

  it("GS1 DataMatrix at the smallest module size still reads", async () => {
    const decoded = decodeBarcode(
      await png({ symbology: "datamatrix", data: ELEMENT_STRING, scale: 1 }),
    );
    expect(decoded.text).toBe(elementStringAsScanned(ELEMENT_STRING, "]d2"));
  });

  it("GS1-128 holds the element string", async () => {
    const decoded = decodeBarcode(await png({ symbology: "gs1-128", data: ELEMENT_STRING }));
    expect(decoded).toEqual({
      format: "gs1-128",
      text: elementStringAsScanned(ELEMENT_STRING, "]C1"),
    });
  });

  it("GS1-128 with fixed-length AIs after a variable one", async () => {
    const elementString = "(01)06901234567892(10)A1(17)271231(3103)001250";
    const decoded = decodeBarcode(await png({ symbology: "gs1-128", data: elementString }));
    expect(decoded.text).toBe(elementStringAsScanned(elementString, "]C1"));
    expect(decoded.text).toBe("]C1010690123456789210A1\u001d172712313103001250");
  });

  it("GS1-128 whose check symbol is 102 (the value of FNC1) reads without a trailing separator", async () => {
    // A CI run drew this GTIN; zxing alone would report a GS after B2026.
    const elementString = "(01)06980709178368(17)261231(10)B2026";
    const decoded = decodeBarcode(await png({ symbology: "gs1-128", data: elementString }));
    expect(decoded.text).toBe("]C101069807091783681726123110B2026");
  });

  it("EAN-13 holds the GTIN-13 of a GTIN-14 starting with 0", async () => {
    const decoded = decodeBarcode(await png({ symbology: "ean13", data: "06901234567892" }));
    expect(decoded).toEqual({ format: "ean13", text: "6901234567892" });
  });

  it("EAN-13 takes the GTIN from an element string or a Digital Link", async () => {
    for (const data of [ELEMENT_STRING, URI]) {
      const decoded = decodeBarcode(await png({ symbology: "ean13", data, humanText: false }));
      expect(decoded.text).toBe("6901234567892");
    }
  });
});

describe("SVG", () => {
  it.each([
    ["qr", URI, ELEMENT_STRING],
    ["datamatrix", ELEMENT_STRING, undefined],
    ["gs1-128", ELEMENT_STRING, undefined],
    ["ean13", "06901234567892", undefined],
  ] as const)("%s is well-formed and names its human text", async (symbology, data, humanText) => {
    const label = await renderLabel({ symbology, data, format: "svg", humanText });
    expect(label.contentType).toBe("image/svg+xml");
    expectWellFormedSvg(label.body);
    const text = symbology === "ean13" ? "6901234567892" : ELEMENT_STRING;
    expect(label.body).toContain(`<title>${text}</title>`);
    expect(label.body).toMatch(/ width="\d+(\.\d+)?" height="\d+(\.\d+)?"/);
  });

  it("sets 2D human text as text lines under the symbol, wrapped at AI boundaries", () => {
    const svg = renderLabelSvg({ symbology: "datamatrix", data: ELEMENT_STRING });
    const lines = [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map(([, line]) => line);
    expect(lines.join("")).toBe(ELEMENT_STRING);
    expect(lines[0]).toBe("(01)06901234567892(10)LOT1");
  });

  it("escapes hostile human text", () => {
    const svg = renderLabelSvg({ symbology: "qr", data: URI, humanText: '<script>"x"&</script>' });
    expectWellFormedSvg(svg);
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;&quot;x&quot;&amp;&lt;/script&gt;");
  });

  it("leaves text out when asked", () => {
    for (const symbology of ["qr", "datamatrix"] as const) {
      const svg = renderLabelSvg({ symbology, data: ELEMENT_STRING, humanText: false });
      expect(svg).not.toMatch(/<text|<title/);
    }
    const linear = renderLabelSvg({ symbology: "gs1-128", data: ELEMENT_STRING, humanText: false });
    const withText = renderLabelSvg({ symbology: "gs1-128", data: ELEMENT_STRING });
    expect(linear.length).toBeLessThan(withText.length);
  });
});

describe("rejected data", () => {
  it("EAN-13 rejects a GTIN-14 whose indicator digit is not 0", async () => {
    const render = renderLabel({ symbology: "ean13", data: "16901234567899", format: "svg" });
    await expect(render).rejects.toThrow(LabelRenderError);
    await expect(render).rejects.toThrow(/indicator digit 1.*use gs1-128 or datamatrix/);
  });

  it("EAN-13 rejects what is not a GTIN", () => {
    expect(() => renderLabelSvg({ symbology: "ean13", data: "(00)106141411234567897" })).toThrow(
      /expected a GTIN-13/,
    );
  });

  it("EAN-13 reports a bad check digit", () => {
    expect(() => renderLabelSvg({ symbology: "ean13", data: "06901234567891" })).toThrow(
      /^EAN-13: .*check digit/,
    );
  });

  it("GS1 symbols report bwip-js's validation without its internal prefix", async () => {
    const bad = "(01)06901234567891(10)LOT1";
    expect(() => renderLabelSvg({ symbology: "gs1-128", data: bad })).toThrow(
      /^GS1-128: AI 01: Bad checksum/,
    );
    await expect(
      renderLabel({ symbology: "datamatrix", data: bad, format: "png" }),
    ).rejects.toThrow(
      expect.objectContaining({
        code: "validation_failed",
        status: 422,
        message: expect.stringMatching(/^GS1 DataMatrix: /),
      }),
    );
  });

  it("QR reports data that does not fit", () => {
    expect(() => renderLabelSvg({ symbology: "qr", data: "x".repeat(3000) })).toThrow(
      LabelRenderError,
    );
  });

  it("scale must be a small positive integer", () => {
    expect(() => renderLabelSvg({ symbology: "qr", data: URI, scale: 0 })).toThrow(/scale/);
    expect(() => renderLabelSvg({ symbology: "qr", data: URI, scale: 2.5 })).toThrow(/scale/);
  });
});

describe("properties", () => {
  it("the stroke path draws exactly the dark modules, inside the quiet zone", () => {
    const matrix = fc
      .record({ width: fc.integer({ min: 1, max: 24 }), height: fc.integer({ min: 1, max: 24 }) })
      .chain(({ width, height }) =>
        fc
          .array(fc.boolean(), { minLength: width * height, maxLength: width * height })
          .map((dark) => ({ width, height, dark })),
      );
    fc.assert(
      fc.property(matrix, fc.integer({ min: 0, max: 4 }), (m, q) => {
        const drawn = pathModules(m.width + 2 * q, m.height + 2 * q, matrixPath(m, q));
        const expected = Array.from({ length: (m.width + 2 * q) * (m.height + 2 * q) }, (_, i) => {
          const x = (i % (m.width + 2 * q)) - q;
          const y = Math.floor(i / (m.width + 2 * q)) - q;
          return (
            x >= 0 && y >= 0 && x < m.width && y < m.height && m.dark[y * m.width + x] === true
          );
        });
        expect(drawn).toEqual(expected);
      }),
    );
  });

  it("wrapped text joins back to the original, no line over the limit", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.integer({ min: 1, max: 30 }), (text, max) => {
        const lines = wrapText(text, max);
        expect(lines.join("")).toBe(text);
        for (const line of lines) expect([...line].length).toBeLessThanOrEqual(max);
      }),
    );
  });

  it("escaped text has no markup characters left", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(escapeMarkup(text)).not.toMatch(/[<>"']|&(?!(?:amp|lt|gt|quot|#39);)/);
      }),
    );
  });
});

function sheetLabels(count: number): SheetLabel[] {
  return Array.from({ length: count }, (_, i) => ({
    uri: `${URI.slice(0, URI.lastIndexOf("/") + 1)}S${i}`,
    elementString: `(01)06901234567892(10)LOT1(21)S${i}`,
    title: "有机大米 5kg",
    lines: [`序号 ${i + 1}`],
  }));
}

describe("label sheet", () => {
  const layout = { perRow: 3, labelWidthMm: 63.5, labelHeightMm: 38.1 } as const;

  it("has A4 print CSS, one label per entry and page breaks per page", async () => {
    const progress: [number, number][] = [];
    const html = await renderLabelSheet({
      ...layout,
      labels: sheetLabels(50),
      symbology: "qr",
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(html).toMatch(/^<!doctype html>\n<html lang="zh-CN">/);
    expect(html).toMatch(/@page \{ size: A4; margin: [\d.]+mm [\d.]+mm; \}/);
    expect(html).toContain("grid-template-columns: repeat(3, 63.5mm)");
    expect(html).toContain("break-after: page");
    expect(html.match(/<div class="label">/g)).toHaveLength(50);
    expect(html.match(/<svg /g)).toHaveLength(50);
    // 7 rows of 38.1 mm fit in 287 mm: 21 labels a page.
    expect(html.match(/<section class="page">/g)).toHaveLength(3);
    expect(progress).toEqual([
      [21, 50],
      [42, 50],
      [50, 50],
    ]);
    expect(html).toContain("(01)06901234567892(10)LOT1(21)S49");
    expect(html.trimEnd()).toMatch(/<\/html>$/);
  });

  it("escapes hostile titles and lines", async () => {
    const html = await renderLabelSheet({
      ...layout,
      symbology: "datamatrix",
      lang: "en",
      labels: [
        {
          uri: URI,
          elementString: ELEMENT_STRING,
          title: "<script>alert(1)</script>",
          lines: ['<img src=x onerror="alert(2)">', "A & B"],
        },
      ],
    });
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(2)&quot;&gt;");
    expect(html).toContain("A &amp; B");
    expect(html).toContain('<html lang="en">');
  });

  it("refuses layouts that do not fit A4 and hostile lang tags", async () => {
    const labels = sheetLabels(1);
    const sheet = (o: Partial<Parameters<typeof renderLabelSheet>[0]>) =>
      renderLabelSheet({ ...layout, labels, symbology: "qr", ...o });
    await expect(sheet({ perRow: 4 })).rejects.toThrow(/A4 row has 200 mm/);
    await expect(sheet({ labelHeightMm: 300 })).rejects.toThrow(/does not fit/);
    await expect(sheet({ perRow: 0 })).rejects.toThrow(/perRow/);
    await expect(sheet({ lang: '"><script>' })).rejects.toThrow(/BCP 47/);
  });

  it("streams the same document in chunks", async () => {
    const options = { ...layout, labels: sheetLabels(30), symbology: "qr" } as const;
    const chunks: string[] = [];
    for await (const chunk of labelSheetChunks(options)) chunks.push(chunk);
    expect(chunks).toHaveLength(1 + 2 + 1);
    expect(chunks.join("")).toBe(await renderLabelSheet(options));
  });

  it("sheet symbols decode back (rasterised from the inline SVG path)", async () => {
    const html = await renderLabelSheet({ ...layout, labels: sheetLabels(1), symbology: "qr" });
    const path = /<svg viewBox="0 0 (\d+) \1"[^>]*><path stroke="#000" d="([^"]+)"/.exec(html);
    expect(path).not.toBeNull();
    const [, size = "0", d = ""] = path ?? [];
    const modules = pathModules(Number(size), Number(size), d);
    const decoded = decodeBarcode(modulesPng(Number(size), modules, 4), { formats: ["qr"] });
    expect(decoded.text).toBe(sheetLabels(1)[0]?.uri);
  });
});

/** Reads back the M/m/h stroke path the SVGs use, as dark modules, row-major. */
function pathModules(width: number, height: number, d: string): boolean[] {
  const dark = new Array<boolean>(width * height).fill(false);
  let x = 0;
  let y = 0;
  for (const [, op, a = "0", b = "0"] of d.matchAll(/([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?/g)) {
    if (op === "M") [x, y] = [Number(a), Math.floor(Number(b))];
    else if (op === "m") [x, y] = [x + Number(a), y + Math.floor(Number(b))];
    else {
      for (let end = x + Number(a); x < end; x++) dark[y * width + x] = true;
    }
  }
  return dark;
}

function modulesPng(width: number, dark: boolean[], scale: number): Uint8Array {
  const height = dark.length / width;
  const image = new PNG({ width: width * scale, height: height * scale });
  image.data.fill(255);
  for (let py = 0; py < height * scale; py++) {
    for (let px = 0; px < width * scale; px++) {
      if (!dark[Math.floor(py / scale) * width + Math.floor(px / scale)]) continue;
      const i = (py * width * scale + px) * 4;
      image.data[i] = image.data[i + 1] = image.data[i + 2] = 0;
    }
  }
  return PNG.sync.write(image);
}
