// Event Hash ID: reference vectors, representation invariance and sensitivity to every change.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  eventHashId,
  eventsOfDocument,
  hashEvent,
  isEventHashId,
  preHashString,
} from "./event-hash";
import { bytesToHex, sha256, utf8 } from "./hex";

const root = fileURLToPath(new URL("../../", import.meta.url));
const vectors = join(root, "test/fixtures/event-hash");
const read = (name: string): string => readFileSync(join(vectors, name), "utf8");
const lines = (text: string): string[] => text.split("\n").filter((l) => l !== "");

// Upstream left this pre-hash line stale when the algorithm changed; its .hashes line is current.
const STALE_PREHASHES = new Set(["epcisDocWithDefaultSchemaInContext#1"]);

const documents = readdirSync(vectors)
  .filter((f) => f.endsWith(".jsonld"))
  .map((f) => f.slice(0, -".jsonld".length))
  .sort();

describe("reference vectors (RalphTro/epcis-event-hash-generator tests/examples)", () => {
  it("covers every vector file", () => {
    expect(documents.length).toBe(9);
  });

  it.each(documents)("%s: every event's pre-hash string and hash", async (name) => {
    const { context, events } = eventsOfDocument(JSON.parse(read(`${name}.jsonld`)));
    const hashes = lines(read(`${name}.hashes`));
    const preHashes = existsSync(join(vectors, `${name}.prehashes`))
      ? lines(read(`${name}.prehashes`))
      : [];
    expect(events).toHaveLength(hashes.length);
    for (const [i, event] of events.entries()) {
      const { preHash, hashId } = await hashEvent(event, context);
      const expected = preHashes[i];
      if (expected !== undefined && STALE_PREHASHES.has(`${name}#${i}`)) {
        // The exception is only allowed while the line really does not match its hash.
        const digest = bytesToHex(await sha256(utf8(expected)));
        expect(hashes[i]).not.toContain(digest);
      } else if (expected !== undefined) {
        expect(preHash, `${name} event ${i}`).toBe(expected);
      }
      expect(hashId, `${name} event ${i}`).toBe(hashes[i]);
    }
  });
});

const CONTEXT = [
  "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
  { example: "https://ns.example.com/epcis/" },
];

function sampleEvent(): Record<string, unknown> {
  return {
    type: "ObjectEvent",
    eventTime: "2024-05-06T10:11:12.345+08:00",
    eventTimeZoneOffset: "+08:00",
    epcList: ["urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:id:sgtin:0614141.107346.2018"],
    action: "OBSERVE",
    bizStep: "shipping",
    disposition: "in_transit",
    readPoint: { id: "urn:epc:id:sgln:0614141.07346.1234", "example:dock": "7" },
    bizLocation: { id: "urn:epc:id:sgln:0614141.07346.0" },
    bizTransactionList: [
      { type: "po", bizTransaction: "urn:epcglobal:cbv:bt:0614141073467:PO-1" },
      { type: "desadv", bizTransaction: "urn:epcglobal:cbv:bt:0614141073467:ASN-9" },
    ],
    sourceList: [{ type: "owning_party", source: "urn:epc:id:pgln:0614141.00000" }],
    destinationList: [{ type: "location", destination: "urn:epc:id:sgln:4012345.00012.0" }],
    sensorElementList: [
      {
        sensorMetadata: {
          time: "2024-05-06T10:00:00+08:00",
          deviceID: "urn:epc:id:giai:4000001.111",
        },
        sensorReport: [
          { type: "Temperature", value: 4.5, uom: "CEL" },
          { type: "RelativeHumidity", value: 60, uom: "P1" },
        ],
      },
    ],
    quantityList: [
      { epcClass: "urn:epc:class:lgtin:4012345.012345.L1", quantity: 12.5, uom: "KGM" },
    ],
    ilmd: { "example:grade": "A", "example:origin": { "example:province": "Yunnan" } },
    "example:note": "first shipment",
  };
}

const hashOf = (event: unknown, context: unknown = CONTEXT) => eventHashId(event, context);

// The same JSON value with every object's keys in a different order.
function reorderKeys(value: unknown, pick: (n: number) => number): unknown {
  if (Array.isArray(value)) return value.map((v) => reorderKeys(v, pick));
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value);
  const shuffled: [string, unknown][] = [];
  while (entries.length > 0) shuffled.push(entries.splice(pick(entries.length), 1)[0]!);
  return Object.fromEntries(shuffled.map(([k, v]) => [k, reorderKeys(v, pick)]));
}

// The same event with every list's items in a different order.
function reorderLists(value: unknown, pick: (n: number) => number): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const items = value.map((v) => reorderLists(v, pick));
    const out: unknown[] = [];
    while (items.length > 0) out.push(items.splice(pick(items.length), 1)[0]);
    return out;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reorderLists(v, pick)]));
}

describe("the same event in another representation has the same hash", () => {
  it("whatever the order of keys and of list items", async () => {
    const expected = await hashOf(sampleEvent());
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { minLength: 64, maxLength: 64 }), async (choices) => {
        let i = 0;
        const pick = (n: number): number => (choices[i++ % choices.length] ?? 0) % n;
        const event = reorderLists(reorderKeys(sampleEvent(), pick), pick);
        expect(await hashOf(event)).toBe(expected);
      }),
      { numRuns: 50 },
    );
  });

  it("type before identifier in bizTransaction, source and destination whatever the key order", async () => {
    const event = sampleEvent();
    event.bizTransactionList = [
      { bizTransaction: "urn:epcglobal:cbv:bt:0614141073467:PO-1", type: "po" },
      { bizTransaction: "urn:epcglobal:cbv:bt:0614141073467:ASN-9", type: "desadv" },
    ];
    event.sourceList = [{ source: "urn:epc:id:pgln:0614141.00000", type: "owning_party" }];
    expect(await hashOf(event)).toBe(await hashOf(sampleEvent()));
    expect(preHashString(event, CONTEXT)).toContain(
      "sourceListtype=https://ref.gs1.org/cbv/SDT-owning_partysource=https://id.gs1.org/417/0614141000005",
    );
  });

  it("EPC URNs or Digital Links on any host", async () => {
    const event = sampleEvent();
    event.epcList = [
      "https://id.gs1.org/01/10614141073464/21/2018",
      "https://brand.example.cn/01/10614141073464/21/2017?linkType=gs1:pip",
    ];
    event.readPoint = { "example:dock": "7", id: "https://example.com/414/0614141073467/254/1234" };
    event.bizLocation = { id: "https://id.gs1.org/414/0614141073467" };
    event.quantityList = [
      { epcClass: "https://id.gs1.org/01/04012345123456/10/L1", quantity: 12.5, uom: "KGM" },
    ];
    expect(await hashOf(event)).toBe(await hashOf(sampleEvent()));
  });

  it("CBV terms as bare strings, CURIEs, web URIs or CBV 1.x URNs", async () => {
    const forms: [string, string, string][] = [
      ["shipping", "in_transit", "po"],
      ["cbv:BizStep-shipping", "cbv:Disp-in_transit", "cbv:BTT-po"],
      [
        "https://ref.gs1.org/cbv/BizStep-shipping",
        "https://ref.gs1.org/cbv/Disp-in_transit",
        "https://ref.gs1.org/cbv/BTT-po",
      ],
      [
        "urn:epcglobal:cbv:bizstep:shipping",
        "urn:epcglobal:cbv:disp:in_transit",
        "urn:epcglobal:cbv:btt:po",
      ],
    ];
    const expected = await hashOf(sampleEvent());
    for (const [bizStep, disposition, btt] of forms) {
      const event = sampleEvent();
      Object.assign(event, { bizStep, disposition });
      event.bizTransactionList = [
        { type: btt, bizTransaction: "urn:epcglobal:cbv:bt:0614141073467:PO-1" },
        { type: "desadv", bizTransaction: "urn:epcglobal:cbv:bt:0614141073467:ASN-9" },
      ];
      expect(await hashOf(event), bizStep).toBe(expected);
    }
  });

  it("sensor measurement types as bare strings, gs1: CURIEs or web URIs", async () => {
    const withType = (type: string) => {
      const event = sampleEvent();
      event.sensorElementList = [{ sensorReport: [{ type, value: 4.5, uom: "CEL" }] }];
      return event;
    };
    const expected = await hashOf(withType("Temperature"));
    expect(await hashOf(withType("gs1:Temperature"))).toBe(expected);
    expect(await hashOf(withType("https://gs1.org/voc/Temperature"))).toBe(expected);
  });

  it("user extensions under any prefix bound to the same namespace", async () => {
    const renamed = JSON.parse(JSON.stringify(sampleEvent()).replaceAll('"example:', '"ex:'));
    const context = [CONTEXT[0], { ex: "https://ns.example.com/epcis/" }];
    expect(await hashOf(renamed, context)).toBe(await hashOf(sampleEvent()));
    expect(preHashString(sampleEvent(), CONTEXT)).toContain(
      "{https://ns.example.com/epcis/}note=first shipment",
    );
  });

  it("timestamps at any offset for the same instant, with or without milliseconds", async () => {
    const at = async (eventTime: string) => hashOf({ ...sampleEvent(), eventTime });
    const expected = await at("2024-05-06T10:11:12.345+08:00");
    for (const same of [
      "2024-05-06T02:11:12.345Z",
      "2024-05-06T02:11:12.345+00:00",
      "2024-05-05T21:41:12.345-04:30",
      "2024-05-06T02:11:12.3450Z",
      "2024-05-06T02:11:12.34499Z",
    ]) {
      expect(await at(same), same).toBe(expected);
    }
    const whole = preHashString({ ...sampleEvent(), eventTime: "2024-05-06T10:11:12+08:00" });
    expect(whole).toContain("eventTime=2024-05-06T02:11:12.000Z");
  });

  it("numbers with or without trailing zeros", async () => {
    const event = sampleEvent();
    event.quantityList = [
      { epcClass: "urn:epc:class:lgtin:4012345.012345.L1", quantity: "12.50", uom: "KGM" },
    ];
    expect(await hashOf(event)).toBe(await hashOf(sampleEvent()));
  });

  it("without the fields that are not part of the event's identity", async () => {
    const event = {
      ...sampleEvent(),
      eventID: "urn:uuid:3f1c1a52-5f40-4f7a-9a1c-8a0c2b0f2d11",
      recordTime: "2024-05-06T03:00:00Z",
      "rdfs:comment": "captured by the dock scanner",
    };
    expect(await hashOf(event)).toBe(await hashOf(sampleEvent()));
  });
});

describe("a changed event has a different hash", () => {
  const changes: [string, (e: Record<string, unknown>) => void][] = [
    ["eventTime by one millisecond", (e) => (e.eventTime = "2024-05-06T10:11:12.346+08:00")],
    ["eventTimeZoneOffset", (e) => (e.eventTimeZoneOffset = "+09:00")],
    [
      "an EPC",
      (e) =>
        (e.epcList = [
          "urn:epc:id:sgtin:0614141.107346.2017",
          "urn:epc:id:sgtin:0614141.107346.2019",
        ]),
    ],
    ["an EPC removed", (e) => (e.epcList = ["urn:epc:id:sgtin:0614141.107346.2017"])],
    ["action", (e) => (e.action = "ADD")],
    ["bizStep", (e) => (e.bizStep = "receiving")],
    ["disposition", (e) => (e.disposition = "in_progress")],
    ["readPoint", (e) => (e.readPoint = { id: "urn:epc:id:sgln:0614141.07346.1235" })],
    [
      "a readPoint extension",
      (e) => (e.readPoint = { id: "urn:epc:id:sgln:0614141.07346.1234", "example:dock": "8" }),
    ],
    ["bizLocation removed", (e) => delete e.bizLocation],
    [
      "a business transaction type",
      (e) =>
        (e.bizTransactionList = [
          { type: "inv", bizTransaction: "urn:epcglobal:cbv:bt:0614141073467:PO-1" },
        ]),
    ],
    [
      "a quantity",
      (e) =>
        (e.quantityList = [
          { epcClass: "urn:epc:class:lgtin:4012345.012345.L1", quantity: 12.6, uom: "KGM" },
        ]),
    ],
    [
      "a unit of measure",
      (e) =>
        (e.quantityList = [
          { epcClass: "urn:epc:class:lgtin:4012345.012345.L1", quantity: 12.5, uom: "LTR" },
        ]),
    ],
    [
      "a sensor value",
      (e) =>
        (e.sensorElementList = [
          { sensorReport: [{ type: "Temperature", value: 4.6, uom: "CEL" }] },
        ]),
    ],
    [
      "an ILMD value",
      (e) =>
        (e.ilmd = { "example:grade": "B", "example:origin": { "example:province": "Yunnan" } }),
    ],
    [
      "a nested extension value",
      (e) =>
        (e.ilmd = { "example:grade": "A", "example:origin": { "example:province": "Hainan" } }),
    ],
    [
      "an extension's namespace",
      (e) => {
        e["example2:note"] = e["example:note"];
        delete e["example:note"];
      },
    ],
    ["an extension added", (e) => (e["example:extra"] = "1")],
    ["the event type", (e) => (e.type = "TransactionEvent")],
  ];

  it.each(changes)("%s", async (_, change) => {
    const event = sampleEvent();
    change(event);
    const context = [...CONTEXT, { example2: "https://ns.example.org/other/" }];
    expect(await hashOf(event, context)).not.toBe(await hashOf(sampleEvent(), context));
  });
});

describe("Event Hash ID form", () => {
  it("is an RFC 6920 ni URI of the SHA-256 of the pre-hash string", async () => {
    const { preHash, hashId } = await hashEvent(sampleEvent(), CONTEXT);
    expect(isEventHashId(hashId)).toBe(true);
    expect(hashId).toBe(`ni:///sha-256;${bytesToHex(await sha256(utf8(preHash)))}?ver=CBV2.0`);
    expect(isEventHashId("ni:///sha-256;ABC?ver=CBV2.0")).toBe(false);
  });

  it("rejects something that is not an event", () => {
    expect(() => preHashString("ObjectEvent")).toThrow(TypeError);
    expect(() => preHashString({ eventTime: "2024-01-01T00:00:00Z" })).toThrow(TypeError);
  });
});

// EPCIS 2.0 standard examples (GS1): every event hashes without error; the 9.6.4 example written
// with EPC URNs and with Digital Links is one and the same event.
const exampleDirs = [
  join(root, "test/fixtures/epcis/examples"),
  join(root, "../shared/conformance/epcis/examples"),
];
const examples = exampleDirs.find((d) => existsSync(d));

function* jsonFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* jsonFiles(path);
    else if (/\.jsonld?$/.test(name)) yield path;
  }
}

describe.skipIf(examples === undefined)("EPCIS 2.0 standard examples", () => {
  it("hashes every event of every example", async () => {
    let count = 0;
    for (const path of jsonFiles(examples!)) {
      const { context, events } = eventsOfDocument(JSON.parse(readFileSync(path, "utf8")));
      for (const event of events) {
        expect(isEventHashId(await eventHashId(event, context)), path).toBe(true);
        count++;
      }
    }
    expect(count).toBeGreaterThan(20);
  });

  it("gives the URN and Digital Link versions of example 9.6.4 the same hash", async () => {
    const hashesOf = async (path: string) => {
      const { context, events } = eventsOfDocument(JSON.parse(readFileSync(path, "utf8")));
      return Promise.all(events.map((e) => eventHashId(e, context)));
    };
    const urn = await hashesOf(join(examples!, "Example_9.6.4-TransformationEvent.jsonld"));
    const dl = await hashesOf(
      join(examples!, "WithDigitalLinkID/Example_9.6.4-TransformationEventWithDigitalLink.jsonld"),
    );
    expect(urn.length).toBeGreaterThan(0);
    expect(dl).toEqual(urn);
  });
});
