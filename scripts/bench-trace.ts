// `npx tsx scripts/bench-trace.ts`: p50/p99 of a backward item trace (50 events) and a forward trace of a
// 10,000-unit lot, through the HTTP app, on embedded PGlite — and on PostgreSQL too when DATABASE_URL is set
// (in a scratch database created and dropped on that server). Targets: 20 ms and 300 ms at p99.
import { cpus, loadavg } from "node:os";
import { eq } from "drizzle-orm";
import { createApp } from "../src/app";
import { appendCheckDigit } from "../src/codes";
import { loadConfig } from "../src/config";
import { lots, type Org, orgs, products, type Role } from "../src/db/schema";
import type { DatabaseHandle } from "../src/db/types";
import { recordCommissioning } from "../src/features/events/commission";
import { recordLifecycle } from "../src/features/events/service";
import { pdfFile, reportFields } from "../src/features/inspections/fixtures";
import { checkPdf, reportFromForm } from "../src/features/inspections/pdf";
import { chinaDate, recordInspection } from "../src/features/inspections/service";
import { registerOrg } from "../src/features/orgs/service";
import { commissionItems } from "../src/features/products/items";
import { checkpoint } from "../src/ledger/log";
import { systemClock } from "../src/lib/clock";
import { silentLogger } from "../src/lib/logger";
import { randomString } from "../src/lib/random";
import { loadServiceSecrets } from "../src/lib/secrets";
import { makeUscc } from "../test/factories";
import { onEachDatabase } from "./bench-db";

const BASE = "https://bench.zhuisu.test";
const TARGETS = { backward: 20, forward: 300 };
const RUNS = { backward: 400, forward: 40 };

const env = loadConfig(process.env);
const config = loadConfig({
  LOG_LEVEL: "silent",
  PUBLIC_BASE_URL: BASE,
  SEED_DEMO: "false",
  HASH_SECRET: "bench-hash-secret-0123456789abcdef0123456789",
});
const clock = systemClock;
const daysAgo = (n: number) => chinaDate(new Date(clock.now().getTime() - n * 86_400_000));

async function org(db: DatabaseHandle["db"], roles: Role[], nameZh: string) {
  const licences = roles.includes("inspector") ? [{ kind: "cma", number: "201519002145" }] : [];
  const { org, key } = await registerOrg(
    db,
    { clock, hashSecret: config.HASH_SECRET! },
    { kind: "enterprise", nameZh, uscc: makeUscc(), roles, regionCode: "331003", licences },
    { roles: ["regulator"] } as unknown as Org,
  );
  const [verified] = await db
    .update(orgs)
    .set({ status: "verified" })
    .where(eq(orgs.id, org.id))
    .returning();
  return { org: verified!, key: key.key };
}

/** A product with one lot of `count` units, commissioned in one event; their item keys. */
async function lotOf(db: DatabaseHandle["db"], producer: Org, count: number) {
  const gtin = appendCheckDigit(`0690${randomString(9, "0123456789")}`);
  const lot = `B${randomString(8, "0123456789ABCDEF")}`;
  const now = clock.now();
  return db.transaction(async (tx) => {
    const [product] = await tx
      .insert(products)
      .values({
        gtin,
        ownerOrgId: producer.id,
        nameZh: "黄岩蜜橘",
        category: "edible_agricultural",
        netWeightGrams: 2500,
        createdAt: now,
      })
      .returning();
    const [lotRow] = await tx
      .insert(lots)
      .values({
        id: `lot_${randomString(12, "abcdefghijkmnpqrstuvwxyz23456789")}`,
        gtin,
        lot,
        productionDate: daysAgo(10),
        quantity: count,
        createdAt: now,
      })
      .returning();
    const rows = await commissionItems(
      tx,
      { clock },
      { lot: lotRow!, product: product!, serials: { generate: count }, actor: producer },
    );
    await recordCommissioning(tx, now, {
      gtin,
      lot,
      serials: rows.map((r) => r.serial),
      actorOrgId: producer.id,
      eventTime: now,
    });
    return {
      gtin,
      lotKey: `/01/${gtin}/10/${lot}`,
      keys: rows.map((r) => `/01/${gtin}/21/${r.serial}`),
    };
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(
  label: string,
  runs: number,
  request: () => Promise<Response> | Response,
  target?: number,
) {
  for (let i = 0; i < Math.min(20, runs); i++) await (await request()).arrayBuffer();
  const times: number[] = [];
  let bytes = 0;
  const cpu = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const res = await request();
    const body = await res.arrayBuffer();
    times.push(performance.now() - started);
    if (res.status !== 200)
      throw new Error(`${label}: HTTP ${res.status} ${new TextDecoder().decode(body)}`);
    bytes = body.byteLength;
  }
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 50);
  const p99 = percentile(times, 99);
  const ms = (n: number) => n.toFixed(1).padStart(7);
  console.log(
    `  ${label.padEnd(44)} p50 ${ms(p50)} ms  p99 ${ms(p99)} ms  max ${ms(times[times.length - 1]!)} ms  cpu ${ms((used.user + used.system) / 1000 / runs)} ms/req  (${runs} runs, ${(bytes / 1024).toFixed(0)} KiB)${target ? `  p99/target ${(p99 / target).toFixed(2)} ${p99 <= target ? "OK" : "OVER"}` : ""}`,
  );
  return { p50, p99 };
}

async function bench(handle: DatabaseHandle) {
  const { db } = handle;
  const started = performance.now();
  const secrets = await loadServiceSecrets(db, config);
  const app = createApp({
    db,
    dbKind: handle.kind,
    ping: handle.ping,
    config,
    clock,
    logger: silentLogger,
    secrets,
  });
  const [producer, seller, carrier, inspector] = [
    await org(db, ["producer"], "台州黄岩蜜橘合作社"),
    await org(db, ["seller"], "橘乡网店"),
    await org(db, ["logistics"], "顺路快递"),
    await org(db, ["inspector"], "台州市食品检验所"),
  ];
  const ctx = (caller: Org) => ({ clock, hashSecret: secrets.hashSecret, baseUrl: BASE, caller });
  const run = (caller: Org, input: Parameters<typeof recordLifecycle>[2]) =>
    recordLifecycle(db, ctx(caller), input);
  const inspect = async (lotKey: string) => {
    const form = {
      report: JSON.stringify(
        reportFields({ lot: lotKey, issueDate: daysAgo(1), samplingDate: daysAgo(2) }),
      ),
      pdf: pdfFile(lotKey),
    };
    await recordInspection(
      db,
      { clock, baseUrl: BASE, caller: inspector.org },
      reportFromForm(form),
      await checkPdf(form.pdf, config.UPLOAD_LIMIT_BYTES),
    );
  };

  // The item with 50 events: commissioned, inspected, then 12 rounds of sale, dispatch, sign-off, return.
  const small = await lotOf(db, producer.org, 100);
  await run(seller.org, {
    kind: "listing",
    code: small.gtin,
    shopName: "橘乡网店",
    listingUrl: "https://shop.example/1",
    price: 39.9,
    currency: "CNY",
  });
  await inspect(small.lotKey);
  const target = small.keys[0]!;
  for (let round = 0; round < 12; round++) {
    await run(seller.org, { kind: "sale", items: [target], orderNumber: `T-${round}` });
    await run(carrier.org, {
      kind: "dispatch",
      items: [target],
      waybill: `SF-T-${round}`,
      parcelWeightGrams: 2600,
      destinationRegion: "330106",
    });
    await run(carrier.org, { kind: "sign_off", items: [target] });
    await run(seller.org, { kind: "return", items: [target], reason: "七天无理由退货" });
  }
  // Its neighbours in the lot are sold too, so the lot is not empty around it.
  await run(seller.org, { kind: "sale", items: small.keys.slice(1), orderNumber: "T-rest" });

  // The 10,000-unit lot: 100 orders of 80, 60 parcels of 100 to 10 regions, 40 deliveries, returns, losses.
  const big = await lotOf(db, producer.org, 10_000);
  await run(seller.org, {
    kind: "listing",
    code: big.gtin,
    shopName: "橘乡网店",
    listingUrl: "https://shop.example/2",
    price: 39.9,
    currency: "CNY",
  });
  await inspect(big.lotKey);
  const regions = [
    "330106",
    "110101",
    "310101",
    "440103",
    "320102",
    "510104",
    "420102",
    "610102",
    "370102",
    "350102",
  ];
  for (let i = 0; i < 100; i++)
    await run(seller.org, {
      kind: "sale",
      items: big.keys.slice(i * 80, i * 80 + 80),
      orderNumber: `B-${i}`,
    });
  for (let i = 0; i < 60; i++)
    await run(carrier.org, {
      kind: "dispatch",
      items: big.keys.slice(i * 100, i * 100 + 100),
      waybill: `SF-B-${i}`,
      parcelWeightGrams: 250_000,
      destinationRegion: regions[i % 10]!,
    });
  for (let i = 0; i < 40; i++)
    await run(carrier.org, { kind: "sign_off", items: big.keys.slice(i * 100, i * 100 + 100) });
  await run(seller.org, { kind: "return", items: big.keys.slice(7_900, 8_000), reason: "破损" });
  await run(producer.org, { kind: "destroy", items: big.keys.slice(9_950), reason: "过期" });

  const deps = { signingKey: secrets.signingKey, origin: "bench/log", now: () => clock.now() };
  await checkpoint(db, deps);
  console.log(
    `  seeded in ${((performance.now() - started) / 1000).toFixed(1)} s; ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} (other processes inflate wall times; cpu ms/req is this process alone)`,
  );

  const get = (path: string, key?: string) =>
    app.request(`${BASE}${path}`, { headers: key ? { Authorization: `Bearer ${key}` } : {} });
  const results = {
    backward: await measure(
      "backward trace, item with 50 events (json)",
      RUNS.backward,
      () => get(`/v1/trace${target}`),
      TARGETS.backward,
    ),
    forward: await measure(
      "forward trace, lot of 10,000 units (json)",
      RUNS.forward,
      () => get(`/v1/trace${big.lotKey}`, inspector.key),
      TARGETS.forward,
    ),
  };
  await measure("backward trace (csv)", 100, () => get(`/v1/trace${target}?format=csv`));
  await measure("backward trace (epcis)", 100, () => get(`/v1/trace${target}?format=epcis`));
  await measure("forward trace with asOf (json)", 20, () =>
    get(
      `/v1/trace${big.lotKey}?asOf=${encodeURIComponent(clock.now().toISOString())}`,
      inspector.key,
    ),
  );
  await measure("forward trace (csv)", 20, () =>
    get(`/v1/trace${big.lotKey}?format=csv`, inspector.key),
  );
  return results;
}

await onEachDatabase(bench, env.DATABASE_URL, "zs_bench");
