// The committed migrations match the Drizzle schema, and applying them yields exactly that schema.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsFolder } from "../../src/db/migrate";
import { rowsOf } from "../../src/db/rows";
import * as schema from "../../src/db/schema";
import type { DatabaseHandle } from "../../src/db/types";
import { createTestDb } from "../db";

interface Snapshot {
  id: string;
  tables: Record<
    string,
    { name: string; columns: Record<string, { name: string; notNull: boolean }> }
  >;
}

let handle: DatabaseHandle;
let snapshot: Snapshot;
beforeAll(async () => {
  handle = await createTestDb();
  const journal = JSON.parse(
    await readFile(join(migrationsFolder, "meta/_journal.json"), "utf8"),
  ) as {
    entries: { idx: number }[];
  };
  const last = String(journal.entries.at(-1)?.idx ?? 0).padStart(4, "0");
  snapshot = JSON.parse(
    await readFile(join(migrationsFolder, `meta/${last}_snapshot.json`), "utf8"),
  );
});
afterAll(() => handle.close());

describe("migrations", () => {
  it("are up to date with src/db/schema (run `npm run db:generate` when this fails)", async () => {
    const { generateDrizzleJson, generateMigration } = await import("drizzle-kit/api");
    const current = generateDrizzleJson(schema, snapshot.id, ["public"], "snake_case");
    const pending = await generateMigration(snapshot as never, current);
    expect(pending).toEqual([]);
  });

  it("create every table and column of the schema, nullability included", async () => {
    const result = await handle.db.execute(sql`
      select table_name, column_name, is_nullable from information_schema.columns
      where table_schema = 'public' and table_name <> 'drizzle_migrations'
        -- The ledger's monthly partitions (migration 0016) repeat their parent's columns.
        and not exists (select 1 from pg_inherits i join pg_class c on c.oid = i.inhrelid
                        where c.relname = table_name)
      order by table_name, column_name`);
    const actual = rowsOf<{ table_name: string; column_name: string; is_nullable: string }>(
      result,
    ).map((r) => `${r.table_name}.${r.column_name}${r.is_nullable === "NO" ? " not null" : ""}`);
    const expected = Object.values(snapshot.tables)
      .flatMap((t) =>
        Object.values(t.columns).map((c) => `${t.name}.${c.name}${c.notNull ? " not null" : ""}`),
      )
      .sort();
    expect(actual.sort()).toEqual(expected);
  });
});
