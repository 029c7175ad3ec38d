// Tables that people upload: CSV as Excel, WPS or a script saves it, and Excel workbooks (.xlsx),
// read into a header and rows of trimmed strings that remember their line for error messages.
import { readSheet, type SheetData } from "read-excel-file/universal";
import { AppError } from "./errors";

export interface TableRow {
  /** The row's line in the file as the person sees it in Excel (the header is line 1). */
  line: number;
  /** Cells by header name, as written in the header (trimmed); missing cells are "". */
  cells: Record<string, string>;
}

export interface Table {
  columns: string[];
  rows: TableRow[];
}

export interface TableLimits {
  /** Rows after the header; more is refused whole. */
  maxRows: number;
}

const refuse = (message: string) =>
  new AppError("validation_failed", `file: ${message}`, {
    errors: [{ path: "form.file", message }],
  });

const isZip = (b: Uint8Array) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

/** Reads an uploaded CSV or .xlsx file (told apart by its bytes, not its name). */
export async function readTable(bytes: Uint8Array, limits: TableLimits): Promise<Table> {
  if (bytes.length === 0) throw refuse("the file is empty");
  const grid = isZip(bytes) ? await xlsxGrid(bytes) : csvGrid(decodeText(bytes));
  return tableOf(grid, limits);
}

function tableOf(grid: string[][], limits: TableLimits): Table {
  // Blank lines (and trailing empty rows that spreadsheets keep) are not rows.
  const lines = grid
    .map((cells, i) => ({ line: i + 1, cells: cells.map((c) => c.trim()) }))
    .filter((r) => r.cells.some((c) => c !== ""));
  const [header, ...body] = lines;
  if (!header) throw refuse("no header row");
  const columns = header.cells;
  const seen = new Set<string>();
  for (const name of columns) {
    if (name === "") throw refuse(`the header of line ${header.line} has an empty column name`);
    if (seen.has(name)) throw refuse(`the header names the column "${name}" twice`);
    seen.add(name);
  }
  if (body.length === 0) throw refuse("no rows under the header");
  if (body.length > limits.maxRows) {
    throw refuse(`${body.length} rows; at most ${limits.maxRows} in one file`);
  }
  const rows = body.map(({ line, cells }) => {
    if (cells.length > columns.length && cells.slice(columns.length).some((c) => c !== "")) {
      throw refuse(`line ${line} has ${cells.length} cells, the header ${columns.length}`);
    }
    const named: Record<string, string> = {};
    columns.forEach((name, i) => {
      named[name] = cells[i] ?? "";
    });
    return { line, cells: named };
  });
  return { columns, rows };
}

/**
 * UTF-8 (with or without the BOM Excel writes), else GB 18030: what Excel and WPS on a Chinese
 * Windows save as "CSV" is GBK, a subset of it.
 */
function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder("gb18030").decode(bytes);
  }
}

/** RFC 4180 with what real files add: CR, LF or CRLF line ends, and `;` or tab separators. */
export function csvGrid(text: string): string[][] {
  const firstLine = text.slice(0, text.search(/\r|\n|$/));
  const separator = [",", ";", "\t"]
    .map((s) => ({ s, n: firstLine.split(s).length }))
    .sort((a, b) => b.n - a.n)[0]!.s;
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  let quoteLine = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
    } else if (ch === '"' && cell === "") {
      quoted = true;
      quoteLine = rows.length + 1;
    } else if (ch === separator) {
      row.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += ch;
  }
  if (quoted) throw refuse(`a quoted cell opened on line ${quoteLine} is never closed`);
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

async function xlsxGrid(bytes: Uint8Array): Promise<string[][]> {
  let data: SheetData;
  try {
    data = await readSheet(bytes.slice().buffer as ArrayBuffer);
  } catch (error) {
    throw refuse(`not a readable Excel workbook (${(error as Error).message})`);
  }
  return data.map((cells) => cells.map(cellText));
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) {
    // Excel dates carry no zone; a date cell is the calendar day written in it.
    const iso = value.toISOString();
    return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
  }
  return String(value);
}

/**
 * One CSV cell. `text` marks free text a person or a partner typed: one that starts like a formula
 * gets a leading apostrophe, so a spreadsheet shows it instead of running it.
 */
export function csvCell(value: string | number | boolean | null | undefined, text = false): string {
  if (value === null || value === undefined) return "";
  let s = String(value);
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
