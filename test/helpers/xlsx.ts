// Excel workbooks for upload tests, written by a maintained library as a person's Excel would save them.
import writeXlsxFile from "write-excel-file/node";

/** A one-sheet .xlsx of `rows` (the first row is the header); numbers and dates stay typed cells. */
export async function xlsxOf(rows: (string | number | Date | null)[][]): Promise<Uint8Array> {
  const data = rows.map((row) =>
    row.map((value) =>
      value === null ? null : { value, ...(value instanceof Date ? { format: "yyyy-mm-dd" } : {}) },
    ),
  );
  return new Uint8Array(await writeXlsxFile(data as never).toBuffer());
}
