// A database per test file: a PGlite copy of the migrated template, or a fresh PostgreSQL database.
import { readFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { inject } from "vitest";
import { wrapPglite } from "../src/db/pglite";
import { openPostgres } from "../src/db/postgres";
import { rowsOf } from "../src/db/rows";
import type { Database, DatabaseHandle } from "../src/db/types";
import { serverUrl } from "./global-setup";

let templateBlob: Blob | undefined;
let counter = 0;

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** Opens a new, migrated, empty database for one test file; `close` drops it. */
export async function createTestDb(
  options: { poolSize?: number } = {},
): Promise<DatabaseHandle & { url?: string }> {
  const serverBase = process.env.TEST_DATABASE_URL;
  const pgTemplate = inject("pgTemplate");
  if (serverBase && pgTemplate) {
    const name = `zs_t_${pgTemplate.slice("zs_tpl_".length)}_${process.pid}_${++counter}_${Date.now() % 1e6}`;
    return serverDb(serverBase, name, pgTemplate, options.poolSize ?? 8);
  }
  templateBlob ??= new Blob([await readFile(inject("pgliteTemplate"))]);
  const client = await PGlite.create({ loadDataDir: templateBlob });
  return wrapPglite(client);
}

/** Opens a new database with no migrations applied (for tests of a migration itself); `close` drops it. */
export async function createEmptyDb(): Promise<DatabaseHandle> {
  const serverBase = process.env.TEST_DATABASE_URL;
  if (serverBase) {
    return serverDb(
      serverBase,
      `zs_e_${process.pid}_${++counter}_${Date.now() % 1e6}`,
      "template0",
      4,
    );
  }
  return wrapPglite(await PGlite.create());
}

/** A new database on the test server, copied from `template`; `close` drops it. */
async function serverDb(
  serverBase: string,
  name: string,
  template: string,
  poolSize: number,
): Promise<DatabaseHandle & { url: string }> {
  const admin = postgres(serverBase, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${template}`);
  const url = serverUrl(serverBase, name);
  const handle = openPostgres(url, { max: poolSize });
  return {
    ...handle,
    url,
    close: async () => {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** Empties every table of the service (not the migrations journal), for tests that share a file's db. */
export async function truncateAll(db: Database): Promise<void> {
  const result = await db.execute<{ tablename: string }>(
    sql`select tablename from pg_tables where schemaname = 'public' and tablename <> 'drizzle_migrations'`,
  );
  const rows = rowsOf<{ tablename: string }>(result);
  if (rows.length === 0) return;
  await db.execute(
    sql.raw(`truncate ${rows.map((r) => `"${r.tablename}"`).join(", ")} restart identity cascade`),
  );
}
