// Once per test run: migrate one template database; every test file starts from a copy of it.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { migrate } from "../src/db/migrate";
import { wrapPglite } from "../src/db/pglite";
import { openPostgres } from "../src/db/postgres";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplate: string;
    pgTemplate: string | null;
  }
}

export function serverUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), "zhuisu-test-"));
  const pg = await PGlite.create();
  await migrate(wrapPglite(pg));
  const dump = await pg.dumpDataDir("none");
  const templatePath = join(dir, "template.tar");
  await writeFile(templatePath, new Uint8Array(await dump.arrayBuffer()));
  await pg.close();
  project.provide("pgliteTemplate", templatePath);

  const serverBase = process.env.TEST_DATABASE_URL;
  let templateDb: string | null = null;
  if (serverBase) {
    templateDb = `zs_tpl_${process.pid}`;
    const admin = postgres(serverBase, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${templateDb}`);
    await admin.unsafe(`create database ${templateDb}`);
    const handle = openPostgres(serverUrl(serverBase, templateDb), { max: 1 });
    await migrate(handle);
    await handle.close();
    await admin.end();
  }
  project.provide("pgTemplate", templateDb);

  return async () => {
    await rm(dir, { recursive: true, force: true });
    if (serverBase && templateDb) {
      const admin = postgres(serverBase, { max: 1, onnotice: () => {} });
      const leftovers = await admin<{ datname: string }[]>`
        select datname from pg_database where datname like ${`zs_t_${process.pid}_%`} or datname = ${templateDb}`;
      for (const { datname } of leftovers) {
        await admin.unsafe(`drop database if exists ${datname} with (force)`);
      }
      await admin.end();
    }
  };
}
