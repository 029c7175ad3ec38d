// Inspection reports end to end: upload, PDF checks, the ledger event, the lot's conformity, who sees a failure.
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg } from "../../../test/factories";
import { type SeededLot, seedLot } from "../../../test/seed";
import { documents, events, inspections, lots, orgs } from "../../db/schema";
import { sha256Hex } from "../../lib/crypto";
import { pdfBytes, pdfFile, type ReportOptions, reportFields, uploadForm } from "./fixtures";
import { checkPdf } from "./pdf";
import { Inspection, InspectionPage, NonConformingLots } from "./schemas";

let t: TestApp;
let cast: Cast;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

async function upload(form: FormData, key = cast.inspector.key) {
  const res = await t.request("POST", "/v1/inspections", { key, body: form });
  return { res, body: (await res.json()) as Record<string, unknown> & { code?: string } };
}

async function report(o: ReportOptions) {
  const { res, body } = await upload(uploadForm(reportFields(o)));
  expect(res.status, JSON.stringify(body)).toBe(201);
  return Inspection.parse(body);
}

const rows = async () => ({
  events: (await t.db.select({ n: count() }).from(events))[0]!.n,
  inspections: (await t.db.select({ n: count() }).from(inspections))[0]!.n,
  documents: (await t.db.select({ n: count() }).from(documents))[0]!.n,
});

const lotFlag = async (lot: SeededLot) =>
  (await t.db.select().from(lots).where(eq(lots.id, lot.lotId)))[0]!.nonConforming;

describe("uploading a report", () => {
  it("stores the report and its PDF, and records an inspecting event on the lot", async () => {
    const lot = await seedLot(t, cast.producer, { count: 2 });
    const file = pdfFile("first");
    const fields = reportFields({ lot: `(01)${lot.gtin}(10)${lot.lot}`, reportNumber: "TZ-001" });
    const { res, body } = await upload(uploadForm(fields, file));
    expect(res.status, JSON.stringify(body)).toBe(201);
    const view = Inspection.parse(body);
    expect(res.headers.get("location")).toBe(`/v1/inspections/${view.id}`);
    expect(view.lot).toEqual({
      key: lot.lotKey,
      gtin: lot.gtin,
      lot: lot.lot,
      nonConforming: false,
    });
    expect(view.inspector.id).toBe(cast.inspector.org.id);
    expect(view.inspector.accreditation[0]?.kind).toBe("cma");
    expect(view.report.sha256).toBe(await sha256Hex(pdfBytes("first")));
    expect(view.report.url).toBe(`https://zhuisu.test/v1/inspections/${view.id}/report.pdf`);

    const [event] = await t.db.select().from(events).where(eq(events.id, view.event.id));
    const doc = event!.document;
    expect(event!.kind).toBe("inspection");
    expect(doc).toMatchObject({
      type: "ObjectEvent",
      action: "OBSERVE",
      bizStep: "inspecting",
      disposition: "conformant",
      certificationInfo: view.report.url,
      quantityList: [{ epcClass: `https://id.gs1.org${lot.lotKey}` }],
      bizTransactionList: [
        { type: "testres", bizTransaction: `urn:zhuisu:report:${cast.inspector.org.id}:TZ-001` },
      ],
      "zs:reportSha256": view.report.sha256,
      "zs:conclusion": "pass",
    });
    const history = await (await t.request("GET", `/v1/history${lot.lotKey}`)).json();
    expect(JSON.stringify(history)).toContain(view.event.eventId);
  });

  it("serves the PDF at a stable URL with its SHA-256 as ETag", async () => {
    const lot = await seedLot(t, cast.producer, { count: 0 });
    const view = await report({ lot: lot.lotKey });
    const res = await t.request("GET", `/v1/inspections/${view.id}/report.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("etag")).toBe(`"${view.report.sha256}"`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(await sha256Hex(bytes)).toBe(view.report.sha256);
    const again = await t.request("GET", `/v1/inspections/${view.id}/report.pdf`, {
      headers: { "If-None-Match": `"${view.report.sha256}"` },
    });
    expect(again.status).toBe(304);
    expect((await t.request("GET", "/v1/inspections/insp_nope/report.pdf")).status).toBe(404);
  });

  it("reads one report and lists the reports of a lot, in any form of its code", async () => {
    const lot = await seedLot(t, cast.producer, { count: 0 });
    const first = await report({ lot: lot.lotKey, issueDate: "2026-05-20" });
    t.clock.advance(1000);
    const second = await report({ lot: lot.lotKey, issueDate: "2026-05-21" });
    const one = Inspection.parse(
      await (await t.request("GET", `/v1/inspections/${first.id}`)).json(),
    );
    expect(one).toEqual(first);
    const page = InspectionPage.parse(
      await (
        await t.request(
          "GET",
          `/v1/inspections?lot=${encodeURIComponent(`https://x.example${lot.lotKey}`)}&limit=1`,
        )
      ).json(),
    );
    expect(page.items.map((i) => i.id)).toEqual([second.id]);
    const rest = InspectionPage.parse(
      await (
        await t.request(
          "GET",
          `/v1/inspections?lot=${encodeURIComponent(lot.lotKey)}&cursor=${page.next}`,
        )
      ).json(),
    );
    expect(rest.items.map((i) => i.id)).toEqual([first.id]);
    expect(rest.next).toBeNull();
  });

  it("stores one PDF once, whatever the number of reports that carry it", async () => {
    const lot = await seedLot(t, cast.producer, { count: 0 });
    const before = await rows();
    for (const n of ["D-1", "D-2"]) {
      const { res } = await upload(
        uploadForm(reportFields({ lot: lot.lotKey, reportNumber: n }), pdfFile("shared")),
      );
      expect(res.status).toBe(201);
    }
    const after = await rows();
    expect(after.inspections - before.inspections).toBe(2);
    expect(after.documents - before.documents).toBe(1);
  });

  it("takes the report fields one by one as well", async () => {
    const lot = await seedLot(t, cast.producer, { count: 0 });
    const fields = reportFields({ lot: lot.lotKey });
    const form = new FormData();
    form.set("lot", lot.lotKey);
    form.set("reportNumber", String(fields.reportNumber));
    form.append("standards", "GB 2763-2021");
    form.append("standards", "GB 2762-2022");
    form.set("testItems", JSON.stringify(fields.testItems));
    form.set("issueDate", "2026-05-30");
    form.set("conclusion", "pass");
    form.set("pdf", pdfFile());
    const { res, body } = await upload(form);
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(Inspection.parse(body).standards).toEqual(["GB 2763-2021", "GB 2762-2022"]);
  });
});

describe("a failed report", () => {
  it("marks the lot non-conforming: its sales are refused, owner and sellers see it", async () => {
    const lot = await seedLot(t, cast.producer, { count: 3 });
    await t.request("POST", "/v1/events", {
      key: cast.seller.key,
      json: {
        kind: "listing",
        code: lot.gtin,
        shopName: "s",
        listingUrl: "https://s.example/1",
        price: 1,
      },
    });
    const failed = await report({ lot: lot.lotKey, conclusion: "fail", reportNumber: "F-1" });
    expect(failed.lot.nonConforming).toBe(true);
    const [event] = await t.db.select().from(events).where(eq(events.id, failed.event.id));
    expect(event!.disposition).toBe("non_conformant");

    const sale = await t.request("POST", "/v1/events", {
      key: cast.seller.key,
      json: { kind: "sale", items: [lot.items[0]!.key], orderNumber: "X-1" },
    });
    expect(sale.status).toBe(409);
    expect(((await sale.json()) as { rule: string }).rule).toBe("non_conforming_not_sold");

    const seen = async (key: string) =>
      NonConformingLots.parse(
        await (await t.request("GET", "/v1/me/non-conforming", { key })).json(),
      ).items.find((l) => l.key === lot.lotKey);
    const producerView = await seen(cast.producer.key);
    expect(producerView?.why).toEqual(["owner", "custodian"]);
    expect(producerView?.unitsHeld).toBe(3);
    expect(producerView?.failedReport?.id).toBe(failed.id);
    expect((await seen(cast.seller.key))?.why).toEqual(["lister"]);
    expect(await seen(cast.logistics.key)).toBeUndefined();
    expect((await t.request("GET", "/v1/me/non-conforming")).status).toBe(401);
  });

  it("is lifted by a passing re-inspection issued later, not by an older report uploaded late", async () => {
    const lot = await seedLot(t, cast.producer, { count: 0 });
    await report({ lot: lot.lotKey, conclusion: "fail", issueDate: "2026-05-26" });
    expect(await lotFlag(lot)).toBe(true);
    await report({ lot: lot.lotKey, conclusion: "pass", issueDate: "2026-05-20" });
    expect(await lotFlag(lot)).toBe(true);
    const lab = await makeOrg(t, ["inspector"], { nameZh: "复检实验室" });
    const { res } = await upload(
      uploadForm(reportFields({ lot: lot.lotKey, conclusion: "pass", issueDate: "2026-05-29" })),
      lab.key,
    );
    expect(res.status).toBe(201);
    expect(await lotFlag(lot)).toBe(false);
  });
});

describe("bad uploads write nothing", () => {
  async function refused(
    form: FormData | (() => Promise<Response>),
    status: number,
    code: string,
  ): Promise<{ code: string; errors?: { path: string }[] }> {
    const before = await rows();
    const res =
      typeof form === "function"
        ? await form()
        : await t.request("POST", "/v1/inspections", { key: cast.inspector.key, body: form });
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    const body = (await res.json()) as { code: string; errors?: { path: string }[] };
    expect(body.code).toBe(code);
    expect(await rows()).toEqual(before);
    return body;
  }

  it("refuses a report for a lot that does not exist", async () => {
    const lot = await seedLot(t, cast.producer, { count: 0 });
    const body = await refused(
      uploadForm(reportFields({ lot: `/01/${lot.gtin}/10/NOSUCHLOT` })),
      422,
      "validation_failed",
    );
    expect(JSON.stringify(body)).toContain("unknown_lot");
  });

  it("refuses a text file renamed .pdf (415), and a truncated PDF", async () => {
    const lot = await seedLot(t, cast.producer, { count: 0 });
    const text = new File(["just some text, not a report"], "report.pdf", {
      type: "application/pdf",
    });
    await refused(
      uploadForm(reportFields({ lot: lot.lotKey }), text),
      415,
      "unsupported_media_type",
    );
    const truncated = new File([pdfBytes().slice(0, 40) as Uint8Array<ArrayBuffer>], "r.pdf");
    await refused(
      uploadForm(reportFields({ lot: lot.lotKey }), truncated),
      415,
      "unsupported_media_type",
    );
  });

  it("refuses a 200 MB upload with 413, by its declared length or as it streams", async () => {
    const lot = await seedLot(t, cast.producer, { count: 0 });
    const form = uploadForm(reportFields({ lot: lot.lotKey }));
    const declared = new Request("https://zhuisu.test/v1/inspections", {
      method: "POST",
      headers: {
        Authorization: `Bearer ${cast.inspector.key}`,
        "Content-Length": String(200 * 1024 * 1024),
      },
      body: form,
    });
    await refused(async () => t.app.request(declared), 413, "payload_too_large");
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 200) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = new Request("https://zhuisu.test/v1/inspections", {
      method: "POST",
      headers: {
        Authorization: `Bearer ${cast.inspector.key}`,
        "Content-Type": "multipart/form-data; boundary=x",
      },
      body: stream,
      duplex: "half",
    } as RequestInit);
    await refused(async () => t.app.request(streamed), 413, "payload_too_large");
    expect(sent).toBeLessThan(40);
  });

  it("checks the file part against the limit too", async () => {
    await expect(checkPdf(pdfFile(), 10)).rejects.toMatchObject({ code: "payload_too_large" });
  });

  it("refuses a second report with the same number from the same laboratory (409)", async () => {
    const lot = await seedLot(t, cast.producer, { count: 0 });
    await report({ lot: lot.lotKey, reportNumber: "SAME-1" });
    await refused(
      uploadForm(reportFields({ lot: lot.lotKey, reportNumber: "SAME-1" })),
      409,
      "conflict",
    );
  });

  it("names every bad field: a passing report with a failing item, a future date, no PDF", async () => {
    const lot = await seedLot(t, cast.producer, { count: 0 });
    const contradictory = reportFields({ lot: lot.lotKey });
    (contradictory.testItems as { verdict: string }[])[0]!.verdict = "fail";
    const body = await refused(uploadForm(contradictory), 422, "validation_failed");
    expect(body.errors?.map((e) => e.path)).toContain("form.report.testItems.0.verdict");
    await refused(
      uploadForm(
        reportFields({ lot: lot.lotKey, issueDate: "2026-07-01", samplingDate: "2026-06-30" }),
      ),
      422,
      "validation_failed",
    );
    const noPdf = new FormData();
    noPdf.set("report", JSON.stringify(reportFields({ lot: lot.lotKey })));
    const missing = await refused(noPdf, 422, "validation_failed");
    expect(missing.errors?.[0]?.path).toBe("form.pdf");
    const asJson = await t.request("POST", "/v1/inspections", {
      key: cast.inspector.key,
      json: reportFields({ lot: lot.lotKey }),
    });
    expect(asJson.status).toBe(415);
    const notJson = new FormData();
    notJson.set("report", "{not json");
    notJson.set("pdf", pdfFile());
    await refused(notJson, 400, "malformed_json");
  });

  it("is for verified, accredited inspectors only", async () => {
    const lot = await seedLot(t, cast.producer, { count: 0 });
    const form = () => uploadForm(reportFields({ lot: lot.lotKey }));
    expect((await upload(form(), cast.seller.key)).res.status).toBe(403);
    const unaccredited = await makeOrg(t, ["inspector"]);
    await t.db.update(orgs).set({ licences: [] }).where(eq(orgs.id, unaccredited.org.id));
    const { res, body } = await upload(form(), unaccredited.key);
    expect(res.status).toBe(403);
    expect(String(body.detail)).toContain("CMA or CNAS");
    const pending = await makeOrg(t, ["inspector"], { status: "pending" });
    expect((await upload(form(), pending.key)).res.status).toBe(403);
    const anonymous = await t.request("POST", "/v1/inspections", { body: form() });
    expect(anonymous.status).toBe(401);
  });
});
