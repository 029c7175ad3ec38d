// Seeds demo data through the real app, writes demo.json for scripts, and says what to open.
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createApp } from "../app";
import { type Config, publicBaseUrl } from "../config";
import type { DatabaseHandle } from "../db/types";
import { ensureLedgerPartitions } from "../ledger/partitions";
import { FixedClock, systemClock } from "../lib/clock";
import { silentLogger } from "../lib/logger";
import type { ServiceSecrets } from "../lib/secrets";
import { DemoClient } from "./client";
import { seedLarge } from "./large";
import { type DemoFile, seedSmall } from "./small";

/** The demo's story starts this long ago, so that its timeline and dates look like a real fortnight. */
const STORY_START_DAYS_AGO = 10;
/** The large set's orders span about a month after the small story. */
const LARGE_STORY_START_DAYS_AGO = 60;

export interface SeedOptions {
  scale?: "small" | "large";
  /** Items of the large set. */
  items?: number;
  onProgress?: (done: number, total: number, what: string) => void;
}

export async function seedDemo(
  handle: DatabaseHandle,
  config: Config,
  secrets: ServiceSecrets,
  options: SeedOptions = {},
): Promise<DemoFile> {
  const daysAgo = options.scale === "large" ? LARGE_STORY_START_DAYS_AGO : STORY_START_DAYS_AGO;
  const clock = new FixedClock(new Date(systemClock.now().getTime() - daysAgo * 86_400_000));
  const app = createApp({
    db: handle.db,
    dbKind: handle.kind,
    ping: handle.ping,
    config,
    clock,
    logger: silentLogger,
    secrets,
  });
  // The story's events are recorded in past months: give them their own partitions, not the default.
  await ensureLedgerPartitions(handle.db, systemClock.now(), clock.now());
  const client = new DemoClient(app, publicBaseUrl(config));
  const demo = await seedSmall(client, handle.db, clock);
  if (options.scale === "large") {
    const large = await seedLarge(client, handle.db, clock, demo, {
      items: options.items ?? 100_000,
      onProgress: options.onProgress,
    });
    demo.samples.largeItems = String(large.items);
    demo.samples.largeEvents = String(large.events);
  }
  const dir = resolve(config.DATA_DIR);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "demo.json"), `${JSON.stringify(demo, null, 2)}\n`);
  return demo;
}

export function describeDemo(demo: DemoFile, dataDir: string): string {
  const url = (path: string) => (path.startsWith("http") ? path : `${demo.baseUrl}${path}`);
  return [
    "Demo data (also in " + join(resolve(dataDir), "demo.json") + "):",
    `  scan an item:            ${url(demo.samples.item!)}`,
    `  buyer's receipt link:    ${demo.samples.receiptUrl}`,
    `  failed inspection:       ${url(demo.samples.failedLotItem!)}`,
    `  recalled drug:           ${url(demo.samples.recalledItem!)}`,
    `  cloned code:             ${url(demo.samples.clonedItem!)}`,
    `  never issued:            ${url(demo.samples.counterfeitItem!)}`,
    `  a lot's chain:           ${url(`/v1/trace${demo.samples.lot}`)}`,
    `  verify a history:        ${url(`/v1/verify${demo.samples.item}`)}`,
    `  console:                 ${url("/console")}`,
    "  console logins (an owner of each demo organisation):",
    ...Object.entries(demo.logins).map(
      ([who, l]) => `    ${who.padEnd(17)} ${l.login.padEnd(34)} password ${l.password}`,
    ),
    "  API keys (Authorization: Bearer …):",
    ...Object.entries(demo.keys).map(([role, key]) => `    ${role.padEnd(10)} ${key}`),
  ].join("\n");
}
