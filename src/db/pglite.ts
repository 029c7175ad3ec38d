// The embedded database (PGlite): nothing to install; kept in a folder, or in memory for tests.
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import * as schema from "./schema";
import type { Database, DatabaseHandle } from "./types";

export function wrapPglite(client: PGlite): DatabaseHandle {
  const db = drizzle({ client, schema, casing: "snake_case" }) as unknown as Database;
  return {
    db,
    kind: "pglite",
    ping: async () => {
      await client.query("select 1");
    },
    close: () => client.close(),
  };
}

/** Opens (creating when absent) the database in `dataDir`, or an in-memory one when undefined. */
export async function openPglite(dataDir?: string): Promise<DatabaseHandle & { client: PGlite }> {
  const client = await PGlite.create(dataDir ? { dataDir } : {});
  return { ...wrapPglite(client), client };
}
