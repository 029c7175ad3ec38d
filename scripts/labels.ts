// `npm run labels -- --gtin X --lot Y`: writes the printable label sheet of a lot, from the database.
import { createWriteStream, type WriteStream } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseGtin, validateAiValue } from "../src/codes";
import { loadConfig, publicBaseUrl } from "../src/config";
import { migrate } from "../src/db/migrate";
import { openPglite } from "../src/db/pglite";
import { openPostgres } from "../src/db/postgres";
import type { DatabaseHandle } from "../src/db/types";
import { labelSheetChunks } from "../src/features/labels/render";
import { getLot } from "../src/features/products/service";
import { lotSheetLabels } from "../src/features/products/sheet";
import { describeStartupError } from "../src/lib/startup-errors";

const usage = `usage: npm run labels -- --gtin <GTIN> --lot <lot> [options]
  --out <file.html>          where to write the sheet (default: standard output)
  --per-row <n>              labels per row (default 3)
  --width <mm> --height <mm> label size (default 60 x 40)
  --symbology qr|datamatrix  symbol on each label (default qr)
  --offset <n> --limit <n>   print part of the lot (commissioning order)
  --lang <tag>               language of the sheet (default zh-CN)
QR codes point at PUBLIC_BASE_URL. Uses DATABASE_URL, or the embedded database in DATA_DIR (default ./data).`;

function fail(message: string): never {
  console.error(`zhuisu labels: ${message}`);
  process.exit(1);
}

function number(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a number, got ${value}`);
  return n;
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      gtin: { type: "string" },
      lot: { type: "string" },
      out: { type: "string" },
      "per-row": { type: "string" },
      width: { type: "string" },
      height: { type: "string" },
      symbology: { type: "string", default: "qr" },
      offset: { type: "string" },
      limit: { type: "string" },
      lang: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (error) {
  fail(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const str = (name: string) => (typeof values[name] === "string" ? values[name] : undefined);
const gtinArg = str("gtin");
const lotArg = str("lot");
if (!gtinArg || !lotArg) fail(`--gtin and --lot are required\n${usage}`);
const gtin = parseGtin(gtinArg);
if (!gtin.ok) fail(`--gtin: ${gtin.error.message}`);
const lotError = validateAiValue("10", lotArg);
if (lotError) fail(`--lot: ${lotError.message}`);
const symbology = str("symbology");
if (symbology !== "qr" && symbology !== "datamatrix") fail("--symbology must be qr or datamatrix");
const layout = {
  perRow: number("per-row", str("per-row"), 3),
  labelWidthMm: number("width", str("width"), 60),
  labelHeightMm: number("height", str("height"), 40),
};
const range = {
  offset: number("offset", str("offset"), 0),
  ...(str("limit") === undefined ? {} : { limit: number("limit", str("limit"), 0) }),
};

const config = loadConfig(process.env);
let handle: DatabaseHandle;
try {
  handle = config.DATABASE_URL
    ? openPostgres(config.DATABASE_URL, { max: 2 })
    : await openPglite(resolve(config.DATA_DIR));
  await migrate(handle);
} catch (error) {
  fail(describeStartupError(error, { dataDir: config.DATA_DIR }));
}

/** A bar on stderr, redrawn in place on a terminal and at most every 10% otherwise. */
function progress(done: number, total: number): void {
  const share = total === 0 ? 1 : done / total;
  const width = 30;
  const filled = Math.round(share * width);
  const line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} labels`;
  if (process.stderr.isTTY) {
    process.stderr.write(`\r${line}${done === total ? "\n" : ""}`);
  } else if (done === total || Math.floor(share * 10) > Math.floor(((done - 1) / total) * 10)) {
    process.stderr.write(`${line}\n`);
  }
}

async function write(out: WriteStream | NodeJS.WriteStream, chunk: string): Promise<void> {
  if (!out.write(chunk)) await new Promise<void>((done) => out.once("drain", done));
}

try {
  const { product, lot } = await getLot(handle.db, gtin.value, lotArg);
  const labels = await lotSheetLabels(handle.db, product, lot, publicBaseUrl(config), range);
  if (labels.length === 0) throw new Error(`lot ${lot.lot} of GTIN ${product.gtin} has no items`);
  const chunks = labelSheetChunks({
    labels,
    ...layout,
    symbology,
    lang: str("lang"),
    onProgress: progress,
  });
  // The head is rendered first: a layout that does not fit A4 fails before a file is created.
  const head = await chunks.next();
  const outPath = str("out");
  const out = outPath ? createWriteStream(outPath) : process.stdout;
  if (!head.done) await write(out, head.value);
  for await (const chunk of chunks) await write(out, chunk);
  if (outPath) {
    await new Promise<void>((done, failed) => {
      out.once("error", failed);
      (out as WriteStream).end(done);
    });
    console.error(
      `wrote ${labels.length} labels of ${product.nameZh} lot ${lot.lot} to ${outPath}`,
    );
  }
} catch (error) {
  console.error(`zhuisu labels: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await handle.close();
}
