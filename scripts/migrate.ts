// `npm run db:migrate`: applies the committed migrations to DATABASE_URL or the embedded database.
import { resolve } from "node:path";
import { loadConfig } from "../src/config";
import { migrate } from "../src/db/migrate";
import { openPglite } from "../src/db/pglite";
import { openPostgres } from "../src/db/postgres";
import { catchUpNodes } from "../src/ledger/log-nodes";
import { describeStartupError } from "../src/lib/startup-errors";

const config = loadConfig(process.env);
try {
  const handle = config.DATABASE_URL
    ? openPostgres(config.DATABASE_URL, { max: 1 })
    : await openPglite(resolve(config.DATA_DIR));
  await migrate(handle);
  // A log from before log_nodes gets its stored subtrees now (≈ 30 s per million events), not in
  // the first checkpoint or proof after the upgrade.
  await catchUpNodes(handle.db);
  await handle.close();
  console.log(`migrations applied (${handle.kind})`);
} catch (error) {
  console.error(`zhuisu: ${describeStartupError(error)}`);
  process.exit(1);
}
