// Uploaded tables: CSV in the encodings and dialects real files use, and .xlsx, with errors that name the line.
import { describe, expect, it } from "vitest";
import { xlsxOf } from "../../test/helpers/xlsx";
import { csvCell, readTable } from "./tabular";

const utf8 = (s: string) => new TextEncoder().encode(s);
const limits = { maxRows: 5 };

describe("CSV", () => {
  it("reads quoted cells, doubled quotes, line breaks inside quotes and CRLF", async () => {
    const table = await readTable(
      utf8('code,buyer,note\r\n"(01)06901234567892(21)A1",张三,"说 ""好"",\n谢谢"\r\n'),
      limits,
    );
    expect(table.columns).toEqual(["code", "buyer", "note"]);
    expect(table.rows).toEqual([
      {
        line: 2,
        cells: { code: "(01)06901234567892(21)A1", buyer: "张三", note: '说 "好",\n谢谢' },
      },
    ]);
  });

  it("takes the BOM Excel writes, GB 18030 from Chinese Windows, and ; or tab separators", async () => {
    const bom = await readTable(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("a,b\n1,2\n")]), limits);
    expect(bom.columns).toEqual(["a", "b"]);
    // "买家,数量\n张三,2" in GBK
    const gbk = new Uint8Array([
      0xc2, 0xf2, 0xbc, 0xd2, 0x2c, 0xca, 0xfd, 0xc1, 0xbf, 0x0a, 0xd5, 0xc5, 0xc8, 0xfd, 0x2c,
      0x32,
    ]);
    expect(await readTable(gbk, limits)).toEqual({
      columns: ["买家", "数量"],
      rows: [{ line: 2, cells: { 买家: "张三", 数量: "2" } }],
    });
    expect((await readTable(utf8("a;b\n1;2"), limits)).rows[0]!.cells).toEqual({ a: "1", b: "2" });
    expect((await readTable(utf8("a\tb\n1\t2"), limits)).rows[0]!.cells).toEqual({
      a: "1",
      b: "2",
    });
  });

  it("skips blank lines but keeps the line numbers a person sees", async () => {
    const table = await readTable(utf8("a,b\n\n1,2\n,\n3,\n"), limits);
    expect(table.rows).toEqual([
      { line: 3, cells: { a: "1", b: "2" } },
      { line: 5, cells: { a: "3", b: "" } },
    ]);
  });

  it("refuses, naming what is wrong: empty, no rows, too many, a bad header, an open quote, extra cells", async () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(), /empty/],
      [utf8("a,b\n"), /no rows/],
      [utf8(`a\n${"1\n".repeat(6)}`), /6 rows; at most 5/],
      [utf8("a,,b\n1,2,3"), /empty column name/],
      [utf8("a,a\n1,2"), /"a" twice/],
      [utf8('a,b\n"1,2\n3,4'), /opened on line 2 is never closed/],
      [utf8("a,b\n1,2,3"), /line 2 has 3 cells/],
    ];
    for (const [bytes, message] of cases) {
      await expect(readTable(bytes, limits)).rejects.toMatchObject({
        code: "validation_failed",
        detail: expect.stringMatching(message),
        extras: { errors: [{ path: "form.file", message: expect.stringMatching(message) }] },
      });
    }
  });
});

describe("xlsx", () => {
  it("reads the first sheet, numbers as written and date cells as the calendar day", async () => {
    const bytes = await xlsxOf([
      ["code", "qty", "day"],
      ["(01)06901234567892(21)A1", 2, new Date("2026-11-30T00:00:00Z")],
      [null, null, null],
      ["6901234567892", 1.5, null],
    ]);
    expect(await readTable(bytes, limits)).toEqual({
      columns: ["code", "qty", "day"],
      rows: [
        { line: 2, cells: { code: "(01)06901234567892(21)A1", qty: "2", day: "2026-11-30" } },
        { line: 4, cells: { code: "6901234567892", qty: "1.5", day: "" } },
      ],
    });
  });

  it("refuses a damaged workbook as one error", async () => {
    const bytes = await xlsxOf([["a"], ["1"]]);
    await expect(readTable(bytes.slice(0, 200), limits)).rejects.toMatchObject({
      code: "validation_failed",
      detail: expect.stringMatching(/not a readable Excel workbook/),
    });
  });
});

describe("csvCell", () => {
  it("quotes what needs quoting and defuses formulas in free text only", () => {
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell("=HYPERLINK(1)", true)).toBe("'=HYPERLINK(1)");
    expect(csvCell("-5")).toBe("-5");
    expect(csvCell(null)).toBe("");
  });
});
