// `npm run profile -- --path sale|page|json|capture`: seeds the small demo into a scratch database, drives
// one hot path from 16 clients with the V8 profiler on, and prints where the server's CPU time goes.
import { mkdtemp, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { sql } from "drizzle-orm";
import { createApp } from "../src/app";
import { loadConfig } from "../src/config";
import { rowsOf } from "../src/db/rows";
import { seedDemo } from "../src/demo";
import { systemClock } from "../src/lib/clock";
import { silentLogger } from "../src/lib/logger";
import { loadServiceSecrets } from "../src/lib/secrets";
import { onDatabase } from "./bench-db";
import { clientAddress } from "./load";

const { values } = parseArgs({
  options: {
    path: { type: "string", default: "sale" },
    seconds: { type: "string", default: "5" },
    clients: { type: "string", default: "16" },
    out: { type: "string" },
  },
});
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** Self time per function and per package, from a V8 CPU profile. */
function summarise(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }) {
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id) ?? 0;
    if (micros === 0) continue;
    total += micros;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/node_modules\//, "~/").replace(/^.*\/work\/[^/]+\//, "");
    const name = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    const pkg = url.includes("/node_modules/")
      ? (/\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? "?")
      : url.includes("/src/")
        ? `src/${url.split("/src/")[1]?.split("/")[0]}`
        : url === ""
          ? functionName.startsWith("(")
            ? functionName
            : "(native)"
          : url.startsWith("node:")
            ? "node:*"
            : "other";
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
      .join("\n");
  return `by package:\n${top(byPackage, 20)}\n\nby function:\n${top(byFunction, 30)}`;
}

const env = loadConfig(process.env);
await onDatabase(
  async (handle) => {
    const config = loadConfig({
      ...process.env,
      DATA_DIR: await mkdtemp(join(tmpdir(), "zhuisu-profile-")),
      LOG_LEVEL: "silent",
    });
    const secrets = await loadServiceSecrets(handle.db, config);
    const demo = await seedDemo(handle, config, secrets, { scale: "small" });
    const app = createApp({
      db: handle.db,
      dbKind: handle.kind,
      ping: handle.ping,
      config,
      clock: systemClock,
      logger: silentLogger,
      secrets,
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => server.once("listening", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const gtin = demo.samples.product!.split("/")[2]!;
    const auth = (key: string) => ({
      Authorization: `Bearer ${key}`,
      "Content-Type": "application/json",
    });
    await fetch(`${base}/v1/products/${gtin}/lots`, {
      method: "POST",
      headers: auth(demo.keys.producer!),
      body: JSON.stringify({ lot: "PROFILE", productionDate: "2026-11-01", quantity: 20000 }),
    });
    await fetch(`${base}/v1/products/${gtin}/lots/PROFILE/items`, {
      method: "POST",
      headers: auth(demo.keys.producer!),
      body: JSON.stringify({ count: 20000 }),
    });
    const serials = rowsOf<{ serial: string }>(
      await handle.db.execute(
        sql`select i.serial from items i join lots l on l.id = i.lot_id where l.lot = 'PROFILE' order by i.id`,
      ),
    ).map((r) => r.serial);
    const sample = rowsOf<{ gtin: string; serial: string }>(
      await handle.db.execute(sql`select gtin, serial from items where state <> 'commissioned'`),
    );
    const workloads: Record<string, (i: number) => Promise<Response>> = {
      sale: (i) =>
        fetch(`${base}/v1/events`, {
          method: "POST",
          headers: auth(demo.keys.seller!),
          body: JSON.stringify({
            kind: "sale",
            items: [`/01/${gtin}/21/${serials[i % serials.length]}`],
            orderNumber: `P-${i}`,
          }),
        }),
      page: (i) => {
        const it = sample[i % sample.length]!;
        return fetch(`${base}/01/${it.gtin}/21/${it.serial}`, {
          headers: { Accept: "text/html", "X-Forwarded-For": clientAddress(i) },
        });
      },
      json: (i) => {
        const it = sample[i % sample.length]!;
        return fetch(`${base}/01/${it.gtin}/21/${it.serial}`, {
          headers: {
            Accept: "application/json",
            "X-Forwarded-For": clientAddress(i),
          },
        });
      },
    };
    // Capture: one 1,000-event document per request (ObjectEvents of commissioned items at a hub).
    workloads.capture = async (i) => {
      const accepted = await fetch(`${base}/epcis/capture`, {
        method: "POST",
        headers: { ...auth(demo.keys.logistics!), "Content-Type": "application/ld+json" },
        body: JSON.stringify({
          "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
          type: "EPCISDocument",
          schemaVersion: "2.0",
          creationDate: new Date().toISOString(),
          epcisBody: {
            eventList: Array.from({ length: 1000 }, (_, j) => ({
              type: "ObjectEvent",
              eventTime: new Date(Date.UTC(2026, 10, 1) + (i * 1000 + j) * 1000).toISOString(),
              eventTimeZoneOffset: "+08:00",
              action: "OBSERVE",
              epcList: [`urn:epc:id:sgtin:6970000.000101.P${i}x${j}`],
              bizStep: "receiving",
              disposition: "in_progress",
              readPoint: { id: "urn:epc:id:sgln:6970000.00001.0" },
            })),
          },
        }),
      });
      const location = accepted.headers.get("location");
      if (accepted.status !== 202 || !location) return accepted;
      for (;;) {
        const job = await fetch(`${base}${location}`, { headers: auth(demo.keys.logistics!) });
        const state = (await job.clone().json()) as { running?: boolean };
        if (state.running === false) return job;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const once = workloads[values.path!];
    if (!once) throw new Error(`--path must be one of ${Object.keys(workloads).join(", ")}`);
    const session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 200 });
    await session.post("Profiler.start");
    let n = 0;
    const statuses = new Map<number, number>();
    const until = performance.now() + SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < until) {
          const res = await once(n++);
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const { profile } = await session.post("Profiler.stop");
    server.close();
    console.log(
      `${values.path} on ${handle.kind}: ${(n / elapsed).toFixed(1)} req/s from ${CLIENTS} clients; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    if (values.out) await writeFile(values.out, JSON.stringify(profile));
    console.log(summarise(profile as unknown as Parameters<typeof summarise>[0]));
  },
  env.DATABASE_URL,
  "zs_profile",
);
