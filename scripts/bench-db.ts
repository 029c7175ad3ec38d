// Runs a benchmark on a scratch embedded database, then on a scratch database of DATABASE_URL's server.
import postgres from "postgres";
import { migrate } from "../src/db/migrate";
import { openPglite } from "../src/db/pglite";
import { openPostgres } from "../src/db/postgres";
import type { DatabaseHandle } from "../src/db/types";

async function onPglite<T>(bench: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  console.log("PGlite (embedded, in memory)");
  const handle = await openPglite();
  await migrate(handle);
  try {
    return await bench(handle);
  } finally {
    await handle.close();
  }
}

async function onPostgres<T>(
  url: string,
  name: string,
  bench: (handle: DatabaseHandle) => Promise<T>,
): Promise<T> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  console.log(`PostgreSQL (${target.host}, scratch database ${name})`);
  const handle = openPostgres(target.toString(), { max: 10 });
  try {
    await migrate(handle);
    return await bench(handle);
  } finally {
    await handle.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/** `bench` on a scratch database: DATABASE_URL's server when set, PGlite otherwise. */
export function onDatabase<T>(
  bench: (handle: DatabaseHandle) => Promise<T>,
  databaseUrl: string | undefined,
  scratchPrefix: string,
): Promise<T> {
  return databaseUrl
    ? onPostgres(databaseUrl, `${scratchPrefix}_${process.pid}`, bench)
    : onPglite(bench);
}

/** `bench` on PGlite, and on PostgreSQL too when `databaseUrl` is set; scratch databases are dropped after. */
export async function onEachDatabase<T>(
  bench: (handle: DatabaseHandle) => Promise<T>,
  databaseUrl: string | undefined,
  scratchPrefix: string,
): Promise<void> {
  await onPglite(bench);
  if (databaseUrl) await onPostgres(databaseUrl, `${scratchPrefix}_${process.pid}`, bench);
}
