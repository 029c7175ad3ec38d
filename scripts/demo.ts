// `npm run demo -- --scale small|large [--items N]`: seeds the demo data into an empty database
// (DATABASE_URL, or the embedded one in DATA_DIR), writes demo.json and prints what to open.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config";
import { migrate } from "../src/db/migrate";
import { openPglite } from "../src/db/pglite";
import { openPostgres } from "../src/db/postgres";
import { orgs } from "../src/db/schema";
import { describeDemo, seedDemo } from "../src/demo";
import { loadServiceSecrets } from "../src/lib/secrets";
import { describeStartupError } from "../src/lib/startup-errors";

const { values } = parseArgs({
  options: { scale: { type: "string", default: "small" }, items: { type: "string" } },
});
if (values.scale !== "small" && values.scale !== "large") {
  console.error("usage: npm run demo -- --scale small|large [--items 100000]");
  process.exit(2);
}
const config = loadConfig(process.env);
let handle: Awaited<ReturnType<typeof openPglite>> | ReturnType<typeof openPostgres>;
try {
  handle = config.DATABASE_URL
    ? openPostgres(config.DATABASE_URL, { max: 4 })
    : await openPglite(resolve(config.DATA_DIR));
  await migrate(handle);
} catch (error) {
  console.error(`zhuisu demo: ${describeStartupError(error)}`);
  process.exit(1);
}
if ((await handle.db.select({ id: orgs.id }).from(orgs).limit(1)).length > 0) {
  console.error(
    "zhuisu demo: this database already holds organisations; seed into an empty one (a new DATA_DIR or database)",
  );
  await handle.close();
  process.exit(1);
}
const started = performance.now();
let last = 0;
const bar = (done: number, total: number, what: string) => {
  const now = performance.now();
  if (now - last < 250 && done < total) return;
  last = now;
  const width = 30;
  const filled = Math.min(width, Math.round((done / Math.max(total, 1)) * width));
  process.stderr.write(
    `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done.toLocaleString()} ${what}   `,
  );
};
const demo = await seedDemo(handle, config, await loadServiceSecrets(handle.db, config), {
  scale: values.scale,
  items: values.items ? Number(values.items) : undefined,
  onProgress: bar,
});
process.stderr.write("\n");
console.log(
  `seeded the ${values.scale} demo set in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
console.log(describeDemo(demo, config.DATA_DIR));
await handle.close();
