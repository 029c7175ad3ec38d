// Named queries and webhook subscriptions: signed, at least once, retried, resumed without re-sending what was acknowledged.
import { createServer, type IncomingMessage, type Server } from "node:http";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createTestApp, type TestApp, testConfig } from "../../../test/app";
import { onPostgres } from "../../../test/db";
import { makeOrg, type OrgWithKey } from "../../../test/factories";
import { urnToDigitalLink } from "../../codes/epc-urn";
import { epcisSubscriptions } from "../../db/schema";
import { appendEvents } from "../../ledger/append";
import { destinationPolicy } from "../../lib/destinations";
import { silentLogger } from "../../lib/logger";
import { captureJobsSettled } from "./routes";
import { deliverDue, signBody } from "./subscriptions";
import { capture, documentOf, expectValidEpcis, objectEvent, query } from "./test-helpers";

interface Delivery {
  body: string;
  signature: string | undefined;
}

let t: TestApp;
const LOOPBACK_ALLOWED = { SUBSCRIPTION_ALLOWED_HOSTS: "127.0.0.1" };
let producer: OrgWithKey;
let other: OrgWithKey;
let server: Server;
let dest = "";
const received: Delivery[] = [];
/** Statuses the webhook answers with, one per call; 200 once they run out. */
const answers: number[] = [];
/** The same for calls to one path only: other subscriptions' retries cannot take them. */
const answersAt = new Map<string, number[]>();

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => resolve(body));
  });

beforeAll(async () => {
  // The receiver listens on loopback, which subscriptions may reach only when allowed.
  t = await createTestApp({ config: LOOPBACK_ALLOWED });
  producer = await makeOrg(t, ["producer"]);
  other = await makeOrg(t, ["logistics"]);
  server = createServer(async (req, res) => {
    const body = await read(req);
    const status = answersAt.get(req.url ?? "")?.shift() ?? answers.shift() ?? 200;
    if (status === 200)
      received.push({ body, signature: req.headers["gs1-signature"] as string | undefined });
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  dest = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hook`;
});
afterAll(async () => {
  await captureJobsSettled();
  server.close();
  await t.close();
});
beforeEach(() => {
  received.length = 0;
  answers.length = 0;
});

let n = 0;
const epc = () => `urn:epc:id:sgtin:0614141.107346.W${++n}`;
const destinations = destinationPolicy(testConfig(LOOPBACK_ALLOWED));
const deps = () => ({ db: t.db, clock: t.clock, logger: silentLogger, destinations });
const TOKEN = "a-secret-the-subscriber-chose-0123456789";

async function namedQuery(query: Record<string, unknown>): Promise<string> {
  const name = `q${++n}`;
  const res = await t.request("POST", "/epcis/queries", {
    key: producer.key,
    json: { name, query },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  expect(res.headers.get("Location")).toBe(`/epcis/queries/${name}`);
  return name;
}

async function subscribe(name: string, body: Record<string, unknown> = {}) {
  const res = await t.request("POST", `/epcis/queries/${name}/subscriptions`, {
    key: producer.key,
    json: { dest, signatureToken: TOKEN, stream: true, ...body },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return {
    location: res.headers.get("Location")!,
    body: (await res.json()) as { subscriptionID: string },
  };
}

async function captureAndDeliver(events: Record<string, unknown>[]) {
  const job = await capture(t, producer.key, documentOf(events));
  expect(job.status).toBe("success");
  await captureJobsSettled();
}

/** Waits for the subscription's first delivery to have failed with `lastError`, nothing sent. */
const expectFailedOnce = (id: string, lastError: string) =>
  vi.waitFor(async () => {
    const [failed] = await t.db
      .select()
      .from(epcisSubscriptions)
      .where(eq(epcisSubscriptions.id, id));
    expect(failed).toMatchObject({ failures: 1, cursor: 0, lastError });
  });

/** Deliveries of one subscription (others of this file may deliver to the same receiver). */
const deliveredTo = (id: string) =>
  received.filter(
    (d) =>
      (JSON.parse(d.body) as { epcisBody: { queryResults: { subscriptionID?: string } } }).epcisBody
        .queryResults.subscriptionID === id,
  );

const eventsOf = (d: Delivery) =>
  (
    JSON.parse(d.body) as {
      epcisBody: { queryResults: { resultsBody: { eventList: { epcList: string[] }[] } } };
    }
  ).epcisBody.queryResults.resultsBody.eventList;

describe("named queries", () => {
  it("are created, listed, read, run and deleted", async () => {
    const name = await namedQuery({ EQ_bizStep: ["receiving"], eventType: ["ObjectEvent"] });
    const mine = epc();
    await captureAndDeliver([
      objectEvent([mine], { bizStep: "receiving" }),
      objectEvent([epc()], { bizStep: "shipping" }),
    ]);
    const list = (await (await t.request("GET", "/epcis/queries", { key: other.key })).json()) as {
      name: string;
    }[];
    expect(list.map((q) => q.name)).toContain(name);
    const got = (await (
      await t.request("GET", `/epcis/queries/${name}`, { key: other.key })
    ).json()) as { query: unknown };
    expect(got.query).toEqual({ EQ_bizStep: ["receiving"], eventType: ["ObjectEvent"] });
    const run = await query(t, other.key, `/epcis/queries/${name}/events`, {
      "GS1-EPC-Format": "Never_Translates",
    });
    expectValidEpcis(run.body);
    expect(run.body.epcisBody.queryResults.queryName).toBe(name);
    expect(run.events.map((e) => (e.epcList as string[])[0])).toContain(mine);
    expect(run.events.every((e) => e.bizStep === "receiving")).toBe(true);

    expect((await t.request("DELETE", `/epcis/queries/${name}`, { key: other.key })).status).toBe(
      403,
    );
    expect(
      (await t.request("DELETE", `/epcis/queries/${name}`, { key: producer.key })).status,
    ).toBe(204);
    expect((await t.request("GET", `/epcis/queries/${name}`, { key: producer.key })).status).toBe(
      404,
    );
  });

  it("refuse a duplicate name (409), an invalid definition (400) and an unsupported parameter (501)", async () => {
    const name = await namedQuery({ EQ_action: ["ADD"] });
    const dup = await t.request("POST", "/epcis/queries", {
      key: producer.key,
      json: { name, query: {} },
    });
    expect(dup.status).toBe(409);
    const bad = await t.request("POST", "/epcis/queries", {
      key: producer.key,
      json: { name: "bad1", query: { EQ_action: ["MOVE"] } },
    });
    expect(bad.status).toBe(400);
    const unknown = await t.request("POST", "/epcis/queries", {
      key: producer.key,
      json: { name: "bad2", query: { whatever: 1 } },
    });
    expect(unknown.status).toBe(400);
    const unsupported = await t.request("POST", "/epcis/queries", {
      key: producer.key,
      json: { name: "bad3", query: { EQ_quantity: [5] } },
    });
    expect(unsupported.status).toBe(501);
  });
});

describe("webhook subscriptions", () => {
  it("deliver new matching events, signed, as an EPCISQueryDocument naming the subscription", async () => {
    const name = await namedQuery({ EQ_bizStep: ["accepting"] });
    const { location, body } = await subscribe(name);
    expect(location).toBe(`/epcis/queries/${name}/subscriptions/${body.subscriptionID}`);
    const mine = epc();
    await captureAndDeliver([
      objectEvent([mine], { bizStep: "accepting" }),
      objectEvent([epc()], { bizStep: "shipping" }),
    ]);
    await vi.waitFor(() => expect(received).toHaveLength(1));
    const [delivery] = received;
    expect(delivery!.signature).toBe(await signBody(TOKEN, delivery!.body));
    const doc = JSON.parse(delivery!.body);
    expectValidEpcis(doc);
    expect(doc.epcisBody.queryResults).toMatchObject({
      queryName: name,
      subscriptionID: body.subscriptionID,
    });
    // Delivered as GS1 Digital Links, the default format.
    expect(eventsOf(delivery!).map((e) => e.epcList[0])).toEqual([urnToDigitalLink(mine)]);
    await vi.waitFor(async () => {
      const state = (await (await t.request("GET", location, { key: producer.key })).json()) as {
        lastNotifiedAt?: string;
      };
      expect(state.lastNotifiedAt).toBe(t.clock.now().toISOString());
    });
  });

  it("retry an unacknowledged batch with backoff (at least once), then move on", async () => {
    const name = await namedQuery({ EQ_bizStep: ["arriving"] });
    const { body } = await subscribe(name);
    answers.push(500);
    await captureAndDeliver([objectEvent([epc()], { bizStep: "arriving" })]);
    await expectFailedOnce(body.subscriptionID, "the subscriber answered 500");
    expect(received).toHaveLength(0);
    // Not due before its backoff has passed.
    expect(await deliverDue(deps())).toBe(0);
    t.clock.advance(3_000);
    // Due now: delivered by this call, or by the process's dispatcher if it got there first.
    await deliverDue(deps());
    await vi.waitFor(() => expect(received).toHaveLength(1));
    await vi.waitFor(async () => {
      const [ok] = await t.db
        .select()
        .from(epcisSubscriptions)
        .where(eq(epcisSubscriptions.id, body.subscriptionID));
      expect(ok).toMatchObject({ failures: 0, nextAttemptAt: null });
      expect(ok!.cursor).toBeGreaterThan(0);
    });
  });

  it("do not follow a redirect: a 3xx is a failed delivery, retried later", async () => {
    const name = await namedQuery({ EQ_bizStep: ["inspecting"] });
    const { body } = await subscribe(name);
    answers.push(302);
    await captureAndDeliver([objectEvent([epc()], { bizStep: "inspecting" })]);
    await expectFailedOnce(
      body.subscriptionID,
      "the subscriber answered 302; redirects are not followed",
    );
    expect(received).toHaveLength(0);
  });

  it("resume after a restart without re-sending what was acknowledged", async () => {
    const name = await namedQuery({ EQ_bizStep: ["departing"] });
    await subscribe(name);
    await captureAndDeliver([objectEvent([epc()], { bizStep: "departing" })]);
    await vi.waitFor(() => expect(received).toHaveLength(1));
    // A new process: a new app on the same database, its own dispatcher.
    const restarted = await createTestApp({
      handle: t.handle,
      clock: t.clock,
      config: LOOPBACK_ALLOWED,
    });
    expect(await deliverDue({ ...deps(), db: restarted.db })).toBe(0);
    await captureAndDeliver([objectEvent([epc()], { bizStep: "departing" })]);
    await vi.waitFor(() => expect(received).toHaveLength(2));
    expect(eventsOf(received[1]!)).toHaveLength(1);
  });

  it.skipIf(!onPostgres)(
    "deliver an event whose transaction commits after a later event was delivered",
    async () => {
      const name = await namedQuery({ EQ_bizStep: ["receiving"] });
      const { body } = await subscribe(name);
      const late = epc();
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const holding = new Promise<void>((r) => (inserted = r));
      // A transaction that takes its event id first and commits last, as a long capture does.
      const slow = t.db.transaction(async (tx) => {
        await appendEvents(tx, t.clock.now(), [
          {
            kind: "epcis",
            event: objectEvent([late], { bizStep: "receiving" }),
            actorOrgId: producer.org.id,
            subjects: [],
          },
        ]);
        inserted();
        await released;
      });
      await holding;
      const early = epc();
      await captureAndDeliver([objectEvent([early], { bizStep: "receiving" })]);
      await vi.waitFor(() => expect(deliveredTo(body.subscriptionID)).toHaveLength(1));
      release();
      await slow;
      await deliverDue(deps());
      await vi.waitFor(() =>
        expect(
          deliveredTo(body.subscriptionID)
            .flatMap(eventsOf)
            .map((e) => e.epcList[0]),
        ).toEqual([urnToDigitalLink(early), urnToDigitalLink(late)]),
      );
    },
  );

  it.skipIf(!onPostgres)(
    "are left to the node that holds the subscription's lock, so that no batch goes out twice at once",
    async () => {
      const name = await namedQuery({ EQ_bizStep: ["loading"] });
      const { body } = await subscribe(name);
      const mine = epc();
      const onPostgresDeps = { ...deps(), dbKind: "postgres" as const };
      await t.db.transaction(async (tx) => {
        // Another node's dispatcher, in the middle of this subscription's delivery.
        await tx.execute(sql`select pg_advisory_xact_lock(7302, hashtext(${body.subscriptionID}))`);
        // Recorded without a delivery of its own (as the lifecycle API records), so that the
        // dispatchers are the ones that send it.
        await t.db.transaction((other) =>
          appendEvents(other, t.clock.now(), [
            {
              kind: "epcis",
              event: objectEvent([mine], { bizStep: "loading" }),
              actorOrgId: producer.org.id,
              subjects: [],
            },
          ]),
        );
        await deliverDue(onPostgresDeps);
        expect(deliveredTo(body.subscriptionID)).toHaveLength(0);
      });
      await deliverDue(onPostgresDeps);
      await vi.waitFor(() => expect(deliveredTo(body.subscriptionID)).toHaveLength(1));
      expect(eventsOf(deliveredTo(body.subscriptionID)[0]!).map((e) => e.epcList[0])).toEqual([
        urnToDigitalLink(mine),
      ]);
    },
  );

  it("leave out events recorded before initialRecordTime, and end with the query", async () => {
    await captureAndDeliver([objectEvent([epc()], { bizStep: "loading" })]);
    const name = await namedQuery({ EQ_bizStep: ["loading"] });
    const { location } = await subscribe(name, {
      initialRecordTime: new Date(t.clock.now().getTime() + 1).toISOString(),
    });
    expect(await deliverDue(deps())).toBe(0);
    expect(
      (await t.request("GET", `/epcis/queries/${name}/subscriptions`, { key: producer.key }))
        .status,
    ).toBe(200);
    expect((await t.request("DELETE", location, { key: other.key })).status).toBe(404);
    expect(
      (await t.request("DELETE", `/epcis/queries/${name}`, { key: producer.key })).status,
    ).toBe(204);
    expect((await t.request("GET", location, { key: producer.key })).status).toBe(404);
  });

  it("get every event once and in order from a receiver that fails twice, minRecordTime moving only on 2xx", async () => {
    const name = await namedQuery({ EQ_bizStep: ["packing"] });
    const { location, body } = await subscribe(name, { dest: `${dest}/fails-twice` });
    const view = async () =>
      (await (await t.request("GET", location, { key: producer.key })).json()) as {
        minRecordTime: string;
        initialRecordTime: string;
        failures: number;
      };
    const sent = [epc(), epc(), epc()];
    answersAt.set("/hook/fails-twice", [500, 500]);
    await captureAndDeliver([objectEvent([sent[0]!], { bizStep: "packing" })]);
    await expectFailedOnce(body.subscriptionID, "the subscriber answered 500");
    await captureAndDeliver([objectEvent([sent[1]!], { bizStep: "packing" })]);
    t.clock.advance(2_500);
    await deliverDue(deps());
    expect(await view()).toMatchObject({ failures: 2 });
    const before = await view();
    expect(before.minRecordTime).toBe(before.initialRecordTime);
    await captureAndDeliver([objectEvent([sent[2]!], { bizStep: "packing" })]);
    t.clock.advance(5_000);
    await deliverDue(deps());
    await vi.waitFor(() => expect(deliveredTo(body.subscriptionID)).toHaveLength(1));
    const epcs = deliveredTo(body.subscriptionID).flatMap((d) =>
      eventsOf(d).map((e) => e.epcList[0]),
    );
    expect(epcs).toEqual(sent.map(urnToDigitalLink));
    const after = await view();
    expect(after).toMatchObject({ failures: 0, minRecordTime: t.clock.now().toISOString() });
    // Acknowledged: nothing is sent again.
    t.clock.advance(60_000);
    await deliverDue(deps());
    expect(deliveredTo(body.subscriptionID)).toHaveLength(1);
  });

  it("refuse a subscription with neither stream nor schedule, or with both (400)", async () => {
    const name = await namedQuery({ EQ_bizStep: ["picking"] });
    for (const json of [{ dest }, { dest, stream: true, schedule: { hour: "1" } }]) {
      const res = await t.request("POST", `/epcis/queries/${name}/subscriptions`, {
        key: producer.key,
        json,
      });
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
  });
});

describe("scheduled subscriptions", () => {
  const subscribeScheduled = (name: string, extra: Record<string, unknown>) =>
    t.request("POST", `/epcis/queries/${name}/subscriptions`, {
      key: producer.key,
      json: { dest, ...extra },
    });

  it("send what was recorded since the last run at each scheduled time, China time", async () => {
    t.clock.set("2026-06-01T08:00:00.000Z"); // 16:00 in Beijing
    const name = await namedQuery({ EQ_bizStep: ["unloading"] });
    const res = await subscribeScheduled(name, { schedule: { hour: "1", minute: "5" } });
    expect(res.status, await res.clone().text()).toBe(201);
    const sub = (await res.json()) as {
      subscriptionID: string;
      stream: boolean;
      nextRunAt: string;
    };
    expect(sub).toMatchObject({ stream: false, nextRunAt: "2026-06-01T17:05:00.000Z" });
    const first = [epc(), epc()];
    await captureAndDeliver(first.map((e) => objectEvent([e], { bizStep: "unloading" })));
    expect(await deliverDue(deps())).toBe(0);
    expect(deliveredTo(sub.subscriptionID)).toHaveLength(0);

    t.clock.set("2026-06-01T17:05:00.000Z");
    await deliverDue(deps());
    await vi.waitFor(() => expect(deliveredTo(sub.subscriptionID)).toHaveLength(1));
    expect(eventsOf(deliveredTo(sub.subscriptionID)[0]!).map((e) => e.epcList[0])).toEqual(
      first.map(urnToDigitalLink),
    );
    const state = (await (
      await t.request("GET", `/epcis/queries/${name}/subscriptions/${sub.subscriptionID}`, {
        key: producer.key,
      })
    ).json()) as { nextRunAt: string; minRecordTime: string };
    expect(state).toMatchObject({
      nextRunAt: "2026-06-02T17:05:00.000Z",
      minRecordTime: "2026-06-01T17:05:00.000Z",
    });

    // Nothing new at the next run: no call, and the run after that is scheduled.
    t.clock.set("2026-06-02T17:05:00.000Z");
    await deliverDue(deps());
    expect(deliveredTo(sub.subscriptionID)).toHaveLength(1);
    const [row] = await t.db
      .select()
      .from(epcisSubscriptions)
      .where(eq(epcisSubscriptions.id, sub.subscriptionID));
    expect(row?.nextAttemptAt?.toISOString()).toBe("2026-06-03T17:05:00.000Z");
  });

  it("report an empty result when reportIfEmpty is set", async () => {
    const name = await namedQuery({ EQ_bizStep: ["void_shipping"] });
    const res = await subscribeScheduled(name, {
      schedule: { minute: "[0-59]" },
      reportIfEmpty: true,
    });
    const sub = (await res.json()) as { subscriptionID: string; nextRunAt: string };
    t.clock.set(sub.nextRunAt);
    await deliverDue(deps());
    await vi.waitFor(() => expect(deliveredTo(sub.subscriptionID)).toHaveLength(1));
    expect(eventsOf(deliveredTo(sub.subscriptionID)[0]!)).toEqual([]);
  });

  it("refuse a schedule the grammar does not allow, naming its field", async () => {
    const name = await namedQuery({ EQ_bizStep: ["picking"] });
    for (const [schedule, path] of [
      [{ minute: "61" }, "schedule.minute"],
      [{ hour: "*" }, "schedule.hour"],
      [{ month: "2", dayOfMonth: "30" }, "schedule"],
    ] as const) {
      const res = await subscribeScheduled(name, { schedule });
      const problem = (await res.json()) as { errors?: { path: string }[] };
      expect(res.status, JSON.stringify(schedule)).toBe(400);
      expect(problem.errors?.[0]?.path).toBe(path);
    }
  });
});

describe("subscription destinations (SSRF)", () => {
  it("refuse loopback, private, link-local and credentialled URLs unless configured, naming dest", async () => {
    const strict = await createTestApp({ handle: t.handle, clock: t.clock });
    const name = await namedQuery({ EQ_bizStep: ["receiving"] });
    for (const [url, said] of [
      [dest, "loopback (127.0.0.0/8)"],
      ["http://localhost:8080/hook", "this machine"],
      ["http://169.254.169.254/latest/meta-data", "link-local (169.254.0.0/16)"],
      ["http://10.1.2.3/hook", "a private network (10.0.0.0/8)"],
      ["http://[::1]/hook", "loopback (::1)"],
      ["http://[::ffff:192.168.1.10]/hook", "a private network (192.168.0.0/16)"],
      ["http://[fd12:3456::1]/hook", "unique local addresses (fc00::/7)"],
      ["https://user:secret@erp.example.cn/hook", "user name or password"],
      ["ftp://erp.example.cn/hook", "http(s)"],
    ] as const) {
      const res = await strict.request("POST", `/epcis/queries/${name}/subscriptions`, {
        key: producer.key,
        json: { dest: url, stream: true },
      });
      const problem = (await res.json()) as { detail: string; errors?: { path: string }[] };
      expect(res.status, url).toBe(400);
      expect(problem.detail, url).toContain(said);
      if (url.startsWith("http")) expect(problem.errors?.[0]?.path).toBe("dest");
    }
    const [row] = await t.db
      .select()
      .from(epcisSubscriptions)
      .where(eq(epcisSubscriptions.queryName, name));
    expect(row).toBeUndefined();
  });

  it("check what a name resolves to when subscribing and again at every delivery", async () => {
    let answer = ["10.0.0.7"];
    const resolving = await createTestApp({
      handle: t.handle,
      clock: t.clock,
      resolveHost: async () => answer,
    });
    const name = await namedQuery({ EQ_bizStep: ["storing"] });
    const subscribeTo = (url: string) =>
      resolving.request("POST", `/epcis/queries/${name}/subscriptions`, {
        key: producer.key,
        json: { dest: url, stream: true },
      });
    const refused = await subscribeTo("http://erp.example.cn/hook");
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { detail: string }).detail).toContain(
      "dest host erp.example.cn resolves to 10.0.0.7, in a private network (10.0.0.0/8)",
    );
    answer = ["93.184.216.34"];
    const accepted = await subscribeTo("http://erp.example.cn/hook");
    expect(accepted.status).toBe(201);
    const { subscriptionID } = (await accepted.json()) as { subscriptionID: string };
    // The name now points into the service's network (DNS rebinding): nothing is sent.
    answer = ["10.0.0.7"];
    const job = await capture(
      resolving,
      producer.key,
      documentOf([objectEvent([epc()], { bizStep: "storing" })]),
    );
    expect(job.status).toBe("success");
    await captureJobsSettled();
    await vi.waitFor(async () => {
      const [row] = await t.db
        .select()
        .from(epcisSubscriptions)
        .where(eq(epcisSubscriptions.id, subscriptionID));
      expect(row).toMatchObject({
        cursor: 0,
        lastError:
          "dest host erp.example.cn resolves to 10.0.0.7, in a private network (10.0.0.0/8)",
      });
    });
  });
});

if (!onPostgres) {
  console.warn(
    "subscriptions.test: the transaction that commits late and the lock of another node need PostgreSQL (TEST_DATABASE_URL); PGlite runs one transaction at a time",
  );
}
