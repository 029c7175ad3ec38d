// WebSocket subscriptions over a real socket: checked like a webhook before the upgrade, deliveries as
// messages in arrival order while the socket is open, and the subscription gone when it closes.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { createTestApp, type TestApp } from "../../../test/app";
import { makeOrg, type OrgWithKey } from "../../../test/factories";
import { epcisSubscriptions } from "../../db/schema";
import { nodeWebSockets } from "../../lib/node-websocket";
import { captureJobsSettled } from "./routes";
import { capture, documentOf, objectEvent } from "./test-helpers";

let t: TestApp;
let producer: OrgWithKey;
let server: ReturnType<typeof serve>;
let base = "";
let n = 0;
// Deliveries go out from a background loop; on a loaded machine they can take past waitFor's 1 s.
const SETTLE = { timeout: 10_000 };
const epc = () => `urn:epc:id:sgtin:0614141.107346.WS${++n}`;

beforeAll(async () => {
  const webSockets = nodeWebSockets();
  t = await createTestApp({ upgradeWebSocket: webSockets.upgradeWebSocket });
  producer = await makeOrg(t, ["producer"]);
  server = serve({ fetch: t.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  webSockets.attach(t.app, server);
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await captureJobsSettled();
  for (const ws of opened) ws.terminate();
  // Each closing socket removes its subscription: let them finish before the database closes.
  await vi.waitFor(
    async () => expect(await t.db.select().from(epcisSubscriptions)).toEqual([]),
    SETTLE,
  );
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

async function namedQuery(query: Record<string, unknown>): Promise<string> {
  const name = `ws${++n}`;
  const res = await t.request("POST", "/epcis/queries", {
    key: producer.key,
    json: { name, query },
  });
  expect(res.status).toBe(201);
  return name;
}

const opened: WebSocket[] = [];

interface Socket {
  ws: WebSocket;
  messages: Record<string, unknown>[];
}

/** Opens a socket and resolves when it is open, or rejects with the HTTP status it was refused with. */
function open(path: string, key: string | null = producer.key): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base}${path}`, {
      headers: key ? { Authorization: `Bearer ${key}` } : {},
    });
    opened.push(ws);
    const messages: Record<string, unknown>[] = [];
    ws.on("message", (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
    ws.on("open", () => resolve({ ws, messages }));
    ws.on("unexpected-response", (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.on("error", reject);
  });
}

const subscriptionsOf = (name: string) =>
  t.db.select().from(epcisSubscriptions).where(eq(epcisSubscriptions.queryName, name));

/** The serials of the events a message carries (deliveries name them as Digital Links by default). */
const serialsIn = (doc: Record<string, unknown>) =>
  (
    doc as {
      epcisBody: { queryResults: { resultsBody: { eventList: { epcList: string[] }[] } } };
    }
  ).epcisBody.queryResults.resultsBody.eventList.flatMap((e) => e.epcList.map(serialOf));
const serialOf = (epcOrUri: string) => epcOrUri.split(/[./]/).at(-1)!;

describe("WebSocket subscriptions", () => {
  it("sends every matching event as it is captured, in order, while the socket is open", async () => {
    const name = await namedQuery({ EQ_bizStep: ["shipping"] });
    const socket = await open(`/epcis/queries/${name}/subscriptions?stream=true`);
    await vi.waitFor(async () => expect(await subscriptionsOf(name)).toHaveLength(1), SETTLE);
    const [row] = await subscriptionsOf(name);
    expect(row!.dest).toMatch(/^websocket:/);

    const first = [epc(), epc()];
    const second = epc();
    await capture(t, producer.key, documentOf(first.map((e) => objectEvent([e]))));
    await capture(
      t,
      producer.key,
      documentOf([objectEvent([second]), objectEvent([epc()], { bizStep: "receiving" })]),
    );
    await captureJobsSettled();
    await vi.waitFor(
      () => expect(socket.messages.flatMap(serialsIn)).toEqual([...first, second].map(serialOf)),
      SETTLE,
    );
    const doc = socket.messages[0]!;
    expect(doc).toMatchObject({
      type: "EPCISQueryDocument",
      epcisBody: { queryResults: { queryName: name, subscriptionID: row!.id } },
    });
    // The subscription is listed like a webhook's while the socket is open.
    const listed = await t.request("GET", `/epcis/queries/${name}/subscriptions`, {
      key: producer.key,
    });
    expect((await listed.json()) as unknown[]).toHaveLength(1);

    socket.ws.close();
    await vi.waitFor(async () => expect(await subscriptionsOf(name)).toEqual([]), SETTLE);
  });

  it("starts at initialRecordTime, so events already recorded can be asked for", async () => {
    const name = await namedQuery({ EQ_bizStep: ["shipping"] });
    const earlier = epc();
    await capture(t, producer.key, documentOf([objectEvent([earlier])]));
    await captureJobsSettled();
    const since = new Date(t.clock.now().getTime() - 60_000).toISOString();
    const socket = await open(
      `/epcis/queries/${name}/subscriptions?stream=true&initialRecordTime=${encodeURIComponent(since)}`,
    );
    await vi.waitFor(
      () => expect(socket.messages.flatMap(serialsIn)).toContain(serialOf(earlier)),
      SETTLE,
    );
    socket.ws.close();
  });

  it("refuses before the upgrade what a webhook subscription refuses", async () => {
    const name = await namedQuery({ EQ_bizStep: ["shipping"] });
    await expect(open(`/epcis/queries/${name}/subscriptions?stream=true`, null)).rejects.toThrow(
      "refused 401",
    );
    await expect(open("/epcis/queries/no-such-query/subscriptions?stream=true")).rejects.toThrow(
      "refused 404",
    );
    await expect(open(`/epcis/queries/${name}/subscriptions`)).rejects.toThrow("refused 400");
    await expect(open(`/epcis/queries/${name}/subscriptions?stream=true&hour=1`)).rejects.toThrow(
      "refused 400",
    );
    await expect(open(`/epcis/queries/${name}/subscriptions?minute=61`)).rejects.toThrow(
      "refused 400",
    );
    expect(await subscriptionsOf(name)).toEqual([]);
  });

  it("is a 501 where the runtime offers no WebSocket (as on Workers)", async () => {
    const plain = await createTestApp({ handle: t.handle, clock: t.clock });
    const name = await namedQuery({ EQ_bizStep: ["shipping"] });
    const res = await plain.request("GET", `/epcis/queries/${name}/subscriptions?stream=true`, {
      key: producer.key,
      headers: { Upgrade: "websocket", Connection: "Upgrade" },
    });
    expect(res.status).toBe(501);
  });
});
