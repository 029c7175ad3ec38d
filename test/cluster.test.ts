// Three API nodes behind one address, under sales, captures and scans at once; one is killed with
// SIGKILL in the middle of a capture. Nothing accepted is lost, nothing is stored twice, the
// interrupted capture is finished by another process, the log verifies, and rate limits span the nodes.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { rowsOf } from "../src/db/rows";
import { keptDocument, runCaptureJob } from "../src/features/epcis/capture-job";
import { resumeInterruptedCaptures } from "../src/features/epcis/capture-recovery";
import { documentOf, objectEvent } from "../src/features/epcis/test-helpers";
import { FixedClock } from "../src/lib/clock";
import { silentLogger } from "../src/lib/logger";
import { randomString } from "../src/lib/random";
import { RATE_LIMITS } from "../src/lib/rate-limit";
import { createTestApp, type TestApp, testConfig } from "./app";
import { createTestDb, onPostgres } from "./db";
import { makeCast } from "./factories";
import { requiredService } from "./helpers/required-tool";
import { listProduct, seedLot } from "./seed";

const redisUrl = onPostgres
  ? requiredService(
      "TEST_REDIS_URL",
      "three-node test",
      "e.g. TEST_REDIS_URL=redis://127.0.0.1:6379",
    )
  : null;
if (!onPostgres) {
  console.warn(
    "cluster.test skipped: several nodes share one PostgreSQL server (TEST_DATABASE_URL); the embedded database is one process's",
  );
}

const ITEMS = 400;
const BIG_CAPTURE = 5_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Node {
  port: number;
  child: ChildProcess;
  output: string;
}
const nodes: Node[] = [];
let proxy: Server | undefined;
afterAll(() => {
  for (const n of nodes) n.child.kill("SIGKILL");
  proxy?.close();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function startNode(env: Record<string, string>): Promise<Node> {
  const port = await freePort();
  const node: Node = {
    port,
    output: "",
    child: spawn(process.execPath, ["dist/node.js"], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        ...env,
        PORT: String(port),
      },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  };
  node.child.stdout?.on("data", (d) => (node.output += d));
  node.child.stderr?.on("data", (d) => (node.output += d));
  for (let i = 0; i < 100; i++) {
    await sleep(200);
    const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
    if (res?.status === 200) return node;
  }
  throw new Error(`node on ${port} did not become ready:\n${node.output}`);
}

/**
 * One address for the three nodes, in turn, as a load balancer gives. A node that refuses the
 * connection (a dead one) is passed over, as nginx's proxy_next_upstream does for connect errors;
 * a node that dies while it answers gives that client a 502.
 */
function startProxy(ports: number[]): Promise<string> {
  let turn = 0;
  proxy = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const attempt = (left: number) => {
      const port = ports[turn++ % ports.length]!;
      const upstream = request(
        { host: "127.0.0.1", port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "ECONNREFUSED" && left > 1) attempt(left - 1);
        else if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
      upstream.end(body);
    };
    attempt(ports.length);
  });
  return new Promise((r) =>
    proxy!.listen(0, "127.0.0.1", () =>
      r(`http://127.0.0.1:${(proxy!.address() as AddressInfo).port}`),
    ),
  );
}

describe.skipIf(!onPostgres || !redisUrl)("three nodes behind one address", () => {
  it("lose no accepted event, store none twice, finish the killed node's capture and keep one rate limit", {
    timeout: 240_000,
  }, async () => {
    execFileSync(process.execPath, ["scripts/build.mjs", "--if-stale"]);
    const db = await createTestDb({ poolSize: 4 });
    let t: TestApp | undefined;
    try {
      t = await createTestApp({ handle: db });
      const cast = await makeCast(t);
      const lot = await seedLot(t, cast.producer, { count: ITEMS });
      await listProduct(t, cast.seller, lot.gtin);

      const env = {
        DATABASE_URL: db.url!,
        REDIS_URL: redisUrl!,
        HASH_SECRET: testConfig().HASH_SECRET!,
        SEED_DEMO: "false",
        LOG_LEVEL: "warn",
      };
      for (let i = 0; i < 3; i++) nodes.push(await startNode(env));
      const base = await startProxy(nodes.map((n) => n.port));

      // Rate limits: one phone's scans, spread over the three nodes, meet one bucket. Each node
      // counting alone would let all 90 through (30 each, under its 60); one bucket lets the 60
      // and what refills while they are sent (one a second).
      const phone = { "X-Forwarded-For": "203.0.113.77", "User-Agent": `phone ${randomString(8)}` };
      const sent = RATE_LIMITS.scan.capacity + 30;
      const started = performance.now();
      let allowed = 0;
      for (let i = 0; i < sent; i++) {
        const res = await fetch(`${base}${lot.items[0]!.key}`, { headers: phone });
        await res.arrayBuffer();
        if (res.status !== 429) allowed++;
      }
      const refilled = Math.ceil((performance.now() - started) / RATE_LIMITS.scan.refillMs);
      expect(allowed).toBeGreaterThanOrEqual(RATE_LIMITS.scan.capacity);
      expect(allowed).toBeLessThanOrEqual(Math.min(RATE_LIMITS.scan.capacity + refilled, sent - 1));

      // The mixed load: sales, scans and small captures through the proxy for a few seconds.
      const auth = (key: string) => ({
        Authorization: `Bearer ${key}`,
        "Content-Type": "application/json",
      });
      const sales = new Map<string, number>();
      const captures: { location: string | null; status: number; epcs: string[] }[] = [];
      const scanStatuses: number[] = [];
      let next = 1;
      let running = true;
      const saleClient = async () => {
        while (running && next < ITEMS) {
          const i = next++;
          const orderNumber = `N-${i}`;
          const res = await fetch(`${base}/v1/events`, {
            method: "POST",
            headers: auth(cast.seller.key),
            body: JSON.stringify({ kind: "sale", items: [lot.items[i]!.key], orderNumber }),
          }).catch(() => null);
          await res?.arrayBuffer();
          sales.set(orderNumber, res?.status ?? 0);
        }
      };
      let scans = 0;
      const scanClient = async () => {
        while (running) {
          const n = scans++;
          const res = await fetch(`${base}${lot.items[n % ITEMS]!.key}`, {
            headers: {
              Accept: "application/json",
              "X-Forwarded-For": `10.${(n >> 8) & 255}.${n & 255}.9`,
            },
          }).catch(() => null);
          await res?.arrayBuffer();
          scanStatuses.push(res?.status ?? 0);
        }
      };
      let batch = 0;
      const captureClient = async () => {
        while (running) {
          const b = batch++;
          const epcs = Array.from(
            { length: 20 },
            (_, k) => `urn:epc:id:sgtin:0614141.107346.C${b}x${k}`,
          );
          const res = await fetch(`${base}/epcis/capture`, {
            method: "POST",
            headers: {
              ...auth(cast.logistics.key),
              "Content-Type": "application/ld+json",
              "GS1-Capture-Error-Behaviour": "rollback",
            },
            body: JSON.stringify(documentOf(epcs.map((e) => objectEvent([e])))),
          }).catch(() => null);
          await res?.arrayBuffer();
          captures.push({
            location: res?.headers.get("location") ?? null,
            status: res?.status ?? 0,
            epcs,
          });
          await sleep(150);
        }
      };
      const load = [
        ...Array.from({ length: 4 }, saleClient),
        ...Array.from({ length: 4 }, scanClient),
        captureClient(),
      ];

      // A large capture on the third node, which is killed while it runs.
      await sleep(800);
      const victim = nodes[2]!;
      const big = await fetch(`http://127.0.0.1:${victim.port}/epcis/capture`, {
        method: "POST",
        headers: {
          ...auth(cast.logistics.key),
          "Content-Type": "application/ld+json",
          "GS1-Capture-Error-Behaviour": "rollback",
        },
        body: JSON.stringify(
          documentOf(
            Array.from({ length: BIG_CAPTURE }, (_, i) =>
              objectEvent([`urn:epc:id:sgtin:0614141.107346.BIG${i}`]),
            ),
          ),
        ),
      });
      expect(big.status, await big.clone().text()).toBe(202);
      const bigJob = big.headers.get("location")!.split("/").pop()!;
      await sleep(300);
      victim.child.kill("SIGKILL");
      await new Promise((r) => victim.child.once("exit", r));
      await sleep(2_500);
      running = false;
      await Promise.all(load);

      // The two survivors kept answering: scans after the kill are served.
      expect(scanStatuses.filter((s) => s === 200).length).toBeGreaterThan(50);
      // Each scan came from a network of its own: none was limited, only those cut off by the kill failed.
      for (const status of scanStatuses) expect([0, 200, 502]).toContain(status);
      const saleRows = rowsOf<{ order: string; n: number }>(
        await db.db.execute(sql`
          select split_part(document->'bizTransactionList'->0->>'bizTransaction', ':', 5) as order, count(*)::int as n
          from events where kind = 'sale' group by 1`),
      );
      const stored = new Map(saleRows.map((r) => [r.order, r.n]));
      const accepted = [...sales].filter(([, status]) => status === 201).map(([o]) => o);
      expect(accepted.length).toBeGreaterThan(20);
      // Every accepted sale is stored once; a sale whose node died as it answered may be stored or not, once.
      for (const order of accepted) expect(stored.get(order), order).toBe(1);
      for (const [order, n] of stored) expect(n, order).toBe(1);
      // The others were cut off by the kill (502 from the proxy), never refused by a rule.
      for (const [order, status] of sales) expect([0, 201, 502], order).toContain(status);

      const twice = rowsOf<{ n: number }>(
        await db.db.execute(sql`select count(*)::int as n from (
          select hash_id from events where declares is null group by hash_id having count(*) > 1) d`),
      );
      expect(twice[0]!.n).toBe(0);

      // The dead node's captures: the sweep of any node (here the test's, as the survivors'
      // would every 5 minutes) runs them again from the documents their jobs kept, once their
      // locks went with the dead node's connections.
      const later = new FixedClock(new Date(Date.now() + 60_000));
      const deps = { db: db.db, clock: later, logger: silentLogger, concurrentAppends: true };
      const running_ = async () =>
        rowsOf<{ n: number }>(
          await db.db.execute(
            sql`select count(*)::int as n from epcis_capture_jobs where status = 'running'`,
          ),
        )[0]!.n;
      for (let i = 0; i < 100 && (await running_()) > 0; i++) {
        await resumeInterruptedCaptures(db.db, "postgres", later, (job) =>
          runCaptureJob(deps, job, keptDocument(job)!),
        );
        if ((await running_()) > 0) await sleep(200);
      }
      expect(await running_()).toBe(0);
      const jobs = new Map(
        rowsOf<{ id: string; status: string }>(
          await db.db.execute(sql`select id, status from epcis_capture_jobs`),
        ).map((r) => [r.id, r.status]),
      );
      const epcCount = async (epcs: string[]) =>
        rowsOf<{ n: number }>(
          await db.db.execute(sql`select count(*)::int as n from events
            where document->'epcList'->>0 in (select jsonb_array_elements_text(${JSON.stringify(epcs)}::jsonb))`),
        )[0]!.n;
      const bigStored = await epcCount(
        Array.from({ length: BIG_CAPTURE }, (_, i) => `urn:epc:id:sgtin:0614141.107346.BIG${i}`),
      );
      // Every capture finished, the one that was cut off included: all of its events, once.
      expect(jobs.get(bigJob)).toBe("success");
      expect(bigStored).toBe(BIG_CAPTURE);
      const acceptedCaptures = captures.filter((c) => c.status === 202);
      expect(acceptedCaptures.length).toBeGreaterThan(3);
      for (const c of acceptedCaptures) {
        const id = c.location!.split("/").pop()!;
        const n = await epcCount(c.epcs);
        expect(jobs.get(id), id).toBe("success");
        expect(n, id).toBe(20);
      }

      // The log verifies: every event sequenced, the lot's whole history proven in a checkpoint.
      const eventsNow = async () =>
        rowsOf<{ n: number }>(await db.db.execute(sql`select count(*)::int as n from events`))[0]!
          .n;
      let size = 0;
      for (let i = 0; i < 50; i++) {
        const cp = (await (await fetch(`${base}/v1/log/checkpoint`)).json()) as {
          treeSize: number;
        };
        size = cp.treeSize;
        if (size === (await eventsNow())) break;
        await sleep(200);
      }
      expect(size).toBe(await eventsNow());
      const report = (await (await fetch(`${base}/v1/verify${lot.items[1]!.key}`)).json()) as {
        ok: boolean;
        eventsChecked: number;
      };
      expect(report.ok, JSON.stringify(report).slice(0, 800)).toBe(true);
      const lotReport = (await (await fetch(`${base}/v1/verify${lot.lotKey}`)).json()) as {
        ok: boolean;
        eventsChecked: number;
      };
      expect(lotReport.ok, JSON.stringify(lotReport).slice(0, 500)).toBe(true);
      expect(lotReport.eventsChecked).toBeGreaterThanOrEqual(accepted.length);
    } finally {
      for (const n of nodes) n.child.kill("SIGKILL");
      proxy?.close();
      await db.close();
    }
  });
});
