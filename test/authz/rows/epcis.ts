// EPCIS write routes in the authorisation matrix: any verified organisation captures what it saw and keeps its queries.
import type { MatrixContext, MatrixRow } from "../matrix";

const CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"];
let n = 0;
const unique = () => `${Date.now().toString(36)}${++n}`;

const event = () => ({
  type: "ObjectEvent",
  eventTime: "2026-05-30T10:00:00.000+08:00",
  eventTimeZoneOffset: "+08:00",
  epcList: [`urn:epc:id:sgtin:0614141.107346.AZ${unique()}`],
  action: "OBSERVE",
  bizStep: "shipping",
});

/** Who owns what the row acts on: the caller itself when it may write, else the common producer. */
const ownerKey = (ctx: MatrixContext) =>
  ctx.caller && ctx.caller !== ctx.unverified ? ctx.caller.key : ctx.cast.producer.key;

async function namedQuery(ctx: MatrixContext, key: string): Promise<string> {
  const name = `q${unique()}`;
  const res = await ctx.t.request("POST", "/epcis/queries", {
    key,
    json: { name, query: { EQ_bizStep: ["void_shipping"] } },
  });
  if (res.status !== 201) throw new Error(`named query not created: ${await res.text()}`);
  return name;
}

async function subscription(ctx: MatrixContext, key: string): Promise<string> {
  const name = await namedQuery(ctx, ctx.cast.producer.key);
  const res = await ctx.t.request("POST", `/epcis/queries/${name}/subscriptions`, {
    key,
    json: { dest: "https://erp.example.cn/epcis-hook", stream: true },
  });
  if (res.status !== 201) throw new Error(`subscription not created: ${await res.text()}`);
  return res.headers.get("Location")!;
}

const writers = { none: 401, unverified: 403 };

const xmlDocument = () =>
  `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2026-06-01T08:00:00.000+08:00"><EPCISBody><EventList><ObjectEvent><eventTime>2026-05-30T10:00:00.000+08:00</eventTime><eventTimeZoneOffset>+08:00</eventTimeZoneOffset><epcList><epc>urn:epc:id:sgtin:0614141.107346.AX${unique()}</epc></epcList><action>OBSERVE</action><bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep></ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>`;

/** A document describing one place, named `name`. */
const placeDocument = (id: string, name: string) => ({
  "@context": CONTEXT,
  type: "EPCISDocument",
  schemaVersion: "2.0",
  creationDate: "2026-06-01T08:00:00.000+08:00",
  epcisHeader: {
    epcisMasterData: {
      vocabularyList: [
        {
          type: "urn:epcglobal:epcis:vtype:BusinessLocation",
          vocabularyElementList: [
            { id, attributes: [{ id: "urn:epcglobal:cbv:mda:name", attribute: name }] },
          ],
        },
      ],
    },
  },
  epcisBody: { eventList: [] },
});

/** A place whose master data the common producer described. */
async function producersPlace(ctx: MatrixContext): Promise<string> {
  const id = `urn:epc:id:sgln:0614141.${String(++n).padStart(5, "0")}.0`;
  const res = await ctx.t.request("POST", "/epcis/capture", {
    key: ctx.cast.producer.key,
    json: placeDocument(id, "生产者的仓库"),
  });
  if (res.status !== 202) throw new Error(`master data not captured: ${await res.text()}`);
  return id;
}

export const rows: MatrixRow[] = [
  {
    operationId: "epcisCapture",
    request: () => ({
      method: "POST",
      path: "/epcis/capture",
      json: {
        "@context": CONTEXT,
        type: "EPCISDocument",
        schemaVersion: "2.0",
        creationDate: "2026-06-01T08:00:00.000+08:00",
        epcisBody: { eventList: [event()] },
      },
    }),
    // Any verified organisation records what it saw, whatever its role.
    expect: { ...writers, others: 202 },
  },
  {
    operationId: "epcisCapture",
    label: "EPCIS XML",
    request: () => ({
      method: "POST",
      path: "/epcis/capture",
      body: xmlDocument(),
      headers: { "Content-Type": "application/xml" },
    }),
    expect: { ...writers, others: 202 },
  },
  {
    operationId: "epcisCapture",
    label: "master data of a place another organisation described",
    request: async (ctx) => ({
      method: "POST",
      path: "/epcis/capture",
      json: placeDocument(await producersPlace(ctx), "改名"),
    }),
    // Its describer and a regulator change it; another verified organisation is refused.
    expect: { ...writers, producer: 202, regulator: 202, others: 403 },
  },
  {
    operationId: "epcisCaptureEvent",
    request: () => ({
      method: "POST",
      path: "/epcis/events",
      json: { "@context": CONTEXT, ...event() },
    }),
    expect: { ...writers, others: 201 },
  },
  {
    operationId: "epcisCreateQuery",
    request: () => ({
      method: "POST",
      path: "/epcis/queries",
      json: { name: `q${unique()}`, query: { eventType: ["ObjectEvent"] } },
    }),
    expect: { ...writers, others: 201 },
  },
  {
    operationId: "epcisDeleteQuery",
    request: async (ctx) => ({
      method: "DELETE",
      path: `/epcis/queries/${await namedQuery(ctx, ownerKey(ctx))}`,
    }),
    // Its creator deletes it (a regulator could delete anyone's).
    expect: { ...writers, others: 204 },
  },
  {
    operationId: "epcisSubscribe",
    request: async (ctx) => ({
      method: "POST",
      path: `/epcis/queries/${await namedQuery(ctx, ctx.cast.producer.key)}/subscriptions`,
      json: { dest: "https://erp.example.cn/epcis-hook", stream: true },
    }),
    expect: { ...writers, others: 201 },
  },
  {
    operationId: "epcisUnsubscribe",
    request: async (ctx) => ({ method: "DELETE", path: await subscription(ctx, ownerKey(ctx)) }),
    expect: { ...writers, others: 204 },
  },
];
