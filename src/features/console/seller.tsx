// The seller's desk: listings, a sale by form or a day's orders by file (preview, row-by-row errors,
// all-or-nothing commit), the buyers' receipt codes as a slip and a CSV, complaints to answer, and
// its own credit with every factor. Writes run the API's services under the API's checks.

import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Context } from "hono";
import { Hono } from "hono";
import { events } from "../../db/schema";
import { standing } from "../../ledger/append";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { csvCell } from "../../lib/tabular";
import { answerComplaint, listComplaints } from "../complaints/service";
import { orgCredit } from "../credit/service";
import type { IssuedReceipt } from "../events/receipts";
import { lifecycleContext, lifecycleWriter } from "../events/routes";
import { ERROR_REASONS, LifecycleBody } from "../events/schemas";
import { recordLifecycle } from "../events/service";
import { bulkUpload, checkedGroup, type Group, type Problem } from "./bulk";
import type { ConsoleDict } from "./i18n";
import {
  activityOf,
  attributed,
  deskSession,
  Field,
  given,
  numberOr,
  page,
  parsed,
  refusedOn,
  see,
  when,
} from "./kit";
import { Csrf, type Message } from "./layout";
import { checkedForm, checkedUpload } from "./session";

type Values = Record<string, string>;

/** The codes of a scanner field: one per line (a USB scanner types the code and Enter). */
export const codesOf = (text: string | undefined) =>
  (text ?? "")
    .split(/[\r\n]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");

/** What a recent event of this organisation shows in a desk's list. */
export async function recentEvents(c: Context<AppEnv>, orgId: string, kinds: string[]) {
  const rows = await c.var.deps.db
    .select({
      id: events.id,
      eventId: events.eventId,
      kind: events.kind,
      eventTime: events.eventTime,
      document: events.document,
      corrected: sql<boolean>`not ${standing(events.id)}`,
    })
    .from(events)
    .where(and(eq(events.actorOrgId, orgId), inArray(events.kind, kinds)))
    .orderBy(desc(events.id))
    .limit(20);
  return rows.map((r) => {
    const doc = r.document as {
      epcList?: unknown[];
      quantityList?: { quantity?: number }[];
      bizTransactionList?: { bizTransaction?: string }[];
    };
    const reference = (doc.bizTransactionList ?? [])
      .map((b) => decodeURIComponent((b.bizTransaction ?? "").split(":").at(-1) ?? ""))
      .join(", ");
    const count =
      (doc.epcList?.length ?? 0) +
      (doc.quantityList ?? []).reduce((n, q) => n + (q.quantity ?? 0), 0);
    return {
      id: r.id,
      eventId: r.eventId,
      kind: r.kind,
      at: r.eventTime,
      reference,
      count,
      corrected: Boolean(r.corrected),
    };
  });
}

/**
 * A desk's recent events; each one not yet corrected has a small form that declares it
 * erroneous (POST `action`, the lifecycle API's `correction` under its checks).
 */
export function RecentTable({
  t,
  csrf,
  rows,
  referenceLabel,
  action,
}: {
  t: ConsoleDict;
  csrf: string;
  rows: Awaited<ReturnType<typeof recentEvents>>;
  referenceLabel: string;
  action: string;
}) {
  const kinds = t.desk.shipments.kinds;
  const w = t.desk.correction;
  if (rows.length === 0) return <p class="muted">{t.desk.none}</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>{t.desk.sales.at}</th>
          <th>{t.desk.shipments.kind}</th>
          <th>{referenceLabel}</th>
          <th class="num">{t.desk.sales.count}</th>
          <th>{w.column}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr data-event={r.id}>
            <td>{r.corrected ? <s>{when(r.at)}</s> : when(r.at)}</td>
            <td>{kinds[r.kind] ?? (r.kind === "sale" ? t.desk.sales.title : r.kind)}</td>
            <td>{r.reference}</td>
            <td class="num">{r.count}</td>
            <td>
              {r.corrected ? (
                <span class="badge">{w.corrected}</span>
              ) : (
                <details>
                  <summary>{w.open}</summary>
                  <form method="post" action={action}>
                    <Csrf token={csrf} />
                    <input type="hidden" name="eventId" value={r.eventId} />
                    <label for={`reason-${r.id}`}>{w.reason}</label>
                    <select id={`reason-${r.id}`} name="reason">
                      {ERROR_REASONS.map((reason) => (
                        <option value={reason}>{w.reasons[reason] ?? reason}</option>
                      ))}
                    </select>
                    <label for={`note-${r.id}`}>{w.note}</label>
                    <input id={`note-${r.id}`} name="note" maxlength={1000} />
                    <button type="submit">{w.submit}</button>
                  </form>
                </details>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A desk's correction form, recorded as POST /v1/events kind `correction` is, with its activity row. */
export async function correctFromDesk(
  c: Context<AppEnv>,
  actor: Parameters<typeof activityOf>[2],
  form: Values,
): Promise<void> {
  const caller = await lifecycleWriter(c, "correction");
  const input = parsed(LifecycleBody, {
    kind: "correction",
    eventId: form.eventId ?? "",
    reason: form.reason ?? "",
    note: given(form, "note"),
  });
  await recordLifecycle(c.var.deps.db, lifecycleContext(c, caller.org), input, (tx, r) =>
    activityOf(tx, c, actor, "event.correct", `${r.appended.row.id}`),
  );
}

/** The receipt codes of what was just sold: a printable slip, and the same as a CSV file. */
function Slip({ t, receipts }: { t: ConsoleDict; receipts: IssuedReceipt[] }) {
  const w = t.desk.slip;
  const csv = [
    "item,receiptCode,url",
    ...receipts.map((r) => [r.item, r.receiptCode, r.url].map((v) => csvCell(v, true)).join(",")),
  ].join("\r\n");
  return (
    <section class="slip">
      <p class="noprint">{w.intro}</p>
      <p class="noprint">
        <a
          download="receipts.csv"
          href={`data:text/csv;charset=utf-8,${encodeURIComponent(`\uFEFF${csv}\r\n`)}`}
        >
          {w.csv}
        </a>{" "}
        · <span class="muted">{w.print}</span>
      </p>
      <table>
        <thead>
          <tr>
            <th>{w.item}</th>
            <th>{w.code}</th>
            <th>{w.link}</th>
          </tr>
        </thead>
        <tbody>
          {receipts.map((r) => (
            <tr data-item={r.item}>
              <td>
                <code>{r.item}</code>
              </td>
              <td class="code" data-testid="receipt-code">
                {r.receiptCode}
              </td>
              <td>
                <a href={r.url}>{r.url}</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function SalesDesk({
  t,
  csrf,
  values,
  recent,
}: {
  t: ConsoleDict;
  csrf: string;
  values: Values;
  recent: Awaited<ReturnType<typeof recentEvents>>;
}) {
  const w = t.desk.sales;
  return (
    <>
      <section>
        <h2>{w.sale}</h2>
        <form method="post" action="/console/sales">
          <Csrf token={csrf} />
          <label for="items">{w.items}</label>
          <textarea id="items" name="items" required autofocus autocomplete="off" rows={4}>
            {values.items ?? ""}
          </textarea>
          <div class="grid">
            <div>
              <Field
                name="orderNumber"
                label={w.orderNumber}
                values={values}
                required
                maxlength={100}
              />
            </div>
            <div>
              <Field name="price" label={w.price} values={values} inputmode="decimal" />
            </div>
          </div>
          <Field name="buyerRef" label={w.buyerRef} values={values} maxlength={200} />
          <button type="submit">{w.record}</button>
        </form>
      </section>
      <section>
        <h2>{w.upload}</h2>
        <p class="muted">{w.uploadHint}</p>
        <form method="post" action="/console/sales/upload" enctype="multipart/form-data">
          <Csrf token={csrf} />
          <label for="file">{w.file}</label>
          <input id="file" name="file" type="file" required accept=".csv,.xlsx,text/csv" />
          <button type="submit">{w.preview}</button>
        </form>
      </section>
      <section>
        <h2>{w.listing}</h2>
        <form method="post" action="/console/sales/listing">
          <Csrf token={csrf} />
          <Field
            name="listingCode"
            label={w.listingCode}
            values={values}
            required
            maxlength={512}
          />
          <div class="grid">
            <div>
              <Field name="shopName" label={w.shopName} values={values} required maxlength={200} />
            </div>
            <div>
              <Field
                name="listingPrice"
                label={w.price}
                values={values}
                required
                inputmode="decimal"
              />
            </div>
          </div>
          <Field
            name="listingUrl"
            label={w.listingUrl}
            values={values}
            required
            type="url"
            maxlength={2000}
          />
          <button type="submit">{w.listing}</button>
        </form>
      </section>
      <section class="scroll">
        <h2>{w.recent}</h2>
        <RecentTable
          t={t}
          csrf={csrf}
          rows={recent}
          referenceLabel={w.orderNumber}
          action="/console/sales/correct"
        />
      </section>
    </>
  );
}

const SALE_COLUMNS = {
  orderNumber: ["ordernumber", "order", "订单号"],
  item: ["item", "code", "单件码", "商品码"],
} as const;
const BUYER = ["buyer", "buyerref", "买家"];
const PRICE = ["price", "价格", "金额"];

/** A sales row as it travels from the preview to the commit: [line, order, item, buyer, price]. */
type SaleRow = [number, string, string, string, string];

/** Rows of one order number are one sale; a row without its order or item is a problem. */
export function saleGroups(rows: SaleRow[]): { groups: Group[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const orders = new Map<string, SaleRow[]>();
  for (const row of rows) {
    const [line, order, item, , price] = row;
    if (!order) problems.push({ line, message: "orderNumber: empty" });
    else if (!item) problems.push({ line, message: "item: empty" });
    else if (price !== "" && !Number.isFinite(Number(price))) {
      problems.push({ line, message: `price: ${price} is not a number` });
    } else orders.set(order, [...(orders.get(order) ?? []), row]);
  }
  const groups: Group[] = [];
  for (const [order, sale] of orders) {
    const buyers = new Set(sale.map((r) => r[3]).filter((b) => b !== ""));
    const lines = sale.map((r) => r[0]);
    if (buyers.size > 1) {
      for (const line of lines) {
        problems.push({ line, message: `order ${order} names more than one buyer` });
      }
      continue;
    }
    const prices = sale.map((r) => r[4]).filter((p) => p !== "");
    const group = checkedGroup(
      LifecycleBody,
      lines,
      {
        kind: "sale",
        items: sale.map((r) => r[2]),
        orderNumber: order,
        ...(buyers.size === 1 ? { buyerRef: [...buyers][0] } : {}),
        ...(prices.length > 0
          ? { price: Math.round(prices.reduce((s, p) => s + Number(p), 0) * 100) / 100 }
          : {}),
      },
      problems,
    );
    if (group) groups.push(group);
  }
  return { groups, problems };
}

const seller = (c: Context<AppEnv>) => deskSession(c, ["seller"]);

async function salesPage(
  c: Context<AppEnv>,
  orgId: string,
  extra: { values?: Values; message?: Message | null; status?: number } = {},
) {
  const recent = await recentEvents(c, orgId, ["sale", "listing"]);
  return page(c, {
    title: (t) => t.desk.sales.title,
    nav: "sales",
    message: extra.message ?? null,
    status: extra.status ?? 200,
    body: (csrf, t) => <SalesDesk t={t} csrf={csrf} values={extra.values ?? {}} recent={recent} />,
  });
}

function slipPage(c: Context<AppEnv>, receipts: IssuedReceipt[], message: Message) {
  return page(c, {
    title: (t) => t.desk.slip.title,
    nav: "sales",
    status: 201,
    message,
    body: (_csrf, t) => <Slip t={t} receipts={receipts} />,
  });
}

async function complaintsPage(c: Context<AppEnv>, message: Message | null = null, status = 200) {
  const { active } = await seller(c);
  const list = await listComplaints(c.var.deps.db, active.org, { limit: 100 });
  return page(c, {
    title: (t) => t.desk.complaints.title,
    nav: "complaints",
    message,
    status,
    body: (csrf, t) => {
      const w = t.desk.complaints;
      if (list.items.length === 0) return <p class="muted">{w.none}</p>;
      return list.items.map((x) => (
        <section data-complaint={x.id}>
          <p class="muted">
            {when(new Date(x.createdAt))} · {x.category} · {x.itemKey ?? x.gtin ?? ""} ·{" "}
            <span class="badge">{x.status}</span>
          </p>
          <p>{x.text}</p>
          {x.answer ? (
            <p>
              <b>{w.response}:</b> {x.answer.text}
            </p>
          ) : (
            <form method="post" action={`/console/complaints/${x.id}/answer`}>
              <Csrf token={csrf} />
              <label for={`answer-${x.id}`}>{w.answer}</label>
              <textarea id={`answer-${x.id}`} name="text" required maxlength={4000} />
              <button type="submit">{w.answerSubmit}</button>
            </form>
          )}
        </section>
      ));
    },
  });
}

export const sellerRoutes = new Hono<AppEnv>()
  .get("/console/sales", async (c) => {
    const { active, t } = await seller(c);
    const done = c.req.query("done");
    const text =
      done === "listing"
        ? t.desk.sales.listed
        : done === "correction"
          ? t.desk.correction.done
          : null;
    return salesPage(c, active.org.id, { message: text ? { kind: "ok", text } : null });
  })
  .post("/console/sales/correct", async (c) => {
    const { actor, active, t } = await seller(c);
    const form = await checkedForm(c);
    return correctFromDesk(c, actor, form)
      .then(() => see(c, "/console/sales?done=correction"))
      .catch(refusedOn((message, status) => salesPage(c, active.org.id, { message, status }), t));
  })
  .post("/console/sales", async (c) => {
    const { actor, active, t } = await seller(c);
    const form = await checkedForm(c);
    return (async () => {
      const caller = await lifecycleWriter(c, "sale");
      const input = parsed(LifecycleBody, {
        kind: "sale",
        items: codesOf(form.items),
        orderNumber: form.orderNumber ?? "",
        buyerRef: given(form, "buyerRef"),
        price: numberOr(given(form, "price")),
      });
      const recorded = await recordLifecycle(
        c.var.deps.db,
        lifecycleContext(c, caller.org),
        input,
        (tx, r) => activityOf(tx, c, actor, "sale.record", `${r.appended.row.id}`),
      );
      return slipPage(c, recorded.receipts ?? [], {
        kind: "ok",
        text: t.desk.bulk.committed(recorded.affected, 1),
      });
    })().catch(
      refusedOn(
        (message, status) => salesPage(c, active.org.id, { values: form, message, status }),
        t,
      ),
    );
  })
  .post("/console/sales/listing", async (c) => {
    const { actor, active, t } = await seller(c);
    const form = await checkedForm(c);
    return (async () => {
      const caller = await lifecycleWriter(c, "listing");
      const input = parsed(LifecycleBody, {
        kind: "listing",
        code: form.listingCode ?? "",
        shopName: form.shopName ?? "",
        listingUrl: form.listingUrl ?? "",
        price: numberOr(given(form, "listingPrice")) ?? "",
      });
      await recordLifecycle(c.var.deps.db, lifecycleContext(c, caller.org), input, (tx, r) =>
        activityOf(tx, c, actor, "listing.record", `${r.appended.row.id}`),
      );
      return see(c, "/console/sales?done=listing");
    })().catch(
      refusedOn(
        (message, status) => salesPage(c, active.org.id, { values: form, message, status }),
        t,
      ),
    );
  })
  .post("/console/sales/upload", async (c) => {
    const { actor, active, t } = await seller(c);
    const { form, files } = await checkedUpload(c);
    return bulkUpload(
      c,
      actor,
      { form, files },
      {
        kind: "sale",
        action: "/console/sales/upload",
        nav: "sales",
        activity: "sales.upload",
        required: SALE_COLUMNS,
        optional: [BUYER, PRICE],
        group: (rows) => saleGroups(rows as SaleRow[]),
        committed: (outcome, rows) =>
          slipPage(
            c,
            outcome.recorded.flatMap((r) => r.receipts ?? []),
            { kind: "ok", text: t.desk.bulk.committed(rows.length, outcome.recorded.length) },
          ),
      },
    ).catch(refusedOn((message, status) => salesPage(c, active.org.id, { message, status }), t));
  })
  .get("/console/complaints", async (c) => {
    const { t } = await seller(c);
    return complaintsPage(
      c,
      c.req.query("done") ? { kind: "ok", text: t.desk.complaints.answered } : null,
    );
  })
  .post("/console/complaints/:id/answer", async (c) => {
    const { actor, active, t } = await seller(c);
    const form = await checkedForm(c);
    const id = c.req.param("id").slice(0, 64);
    return (async () => {
      // The same check as POST /v1/complaints/{id}/answer: the seller concerned.
      const text = (form.text ?? "").trim();
      if (text === "" || text.length > 4000) {
        throw new AppError("validation_failed", "form.text: 1 to 4000 characters", {
          errors: [{ path: "form.text", message: "1 to 4000 characters" }],
        });
      }
      await attributed(c, actor, "complaint.answer", async (tx) => {
        await answerComplaint(tx, c.var.deps.clock, active.org, id, text);
        return { result: null, target: id };
      });
      return see(c, "/console/complaints?done=answered");
    })().catch(refusedOn((message, status) => complaintsPage(c, message, status), t));
  })
  .get("/console/credit", async (c) => {
    const { active } = await deskSession(c, ["seller", "producer"]);
    const credit = await orgCredit(c.var.deps.db, c.var.deps.clock, active.org);
    return page(c, {
      title: (tt) => tt.desk.credit.title,
      nav: "credit",
      body: (_csrf, tt) => {
        const w = tt.desk.credit;
        return (
          <>
            <section>
              <dl>
                <dt>{w.grade}</dt>
                <dd data-testid="grade">
                  <b>{credit.grade}</b>
                </dd>
                <dt>{w.score}</dt>
                <dd data-testid="score">{credit.score}</dd>
                <dt>{w.computedAt}</dt>
                <dd>{when(new Date(credit.computedAt))}</dd>
              </dl>
            </section>
            <section class="scroll">
              <h2>{w.factors}</h2>
              <table>
                <thead>
                  <tr>
                    <th>{w.factor}</th>
                    <th class="num">{w.value}</th>
                    <th class="num">{w.points}</th>
                    <th>{w.evidence}</th>
                  </tr>
                </thead>
                <tbody>
                  {credit.factors.map((f) => (
                    <tr data-factor={f.name}>
                      <td>
                        {f.name}
                        <br />
                        <span class="muted">{f.note}</span>
                      </td>
                      <td class="num">
                        {f.value === null ? "—" : Math.round(f.value * 100) / 100}
                      </td>
                      <td class="num">{Math.round(f.contribution * 10) / 10}</td>
                      <td>
                        {f.evidenceCount}
                        {f.evidence.length > 0 ? (
                          <ul>
                            {f.evidence.slice(0, 10).map((e) => (
                              <li>
                                {e.type}{" "}
                                {e.eventId !== null ? (
                                  <a href={`/v1/events/${e.eventId}`}>#{e.eventId}</a>
                                ) : (
                                  e.id
                                )}{" "}
                                · {e.at.slice(0, 10)}
                              </li>
                            ))}
                          </ul>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          </>
        );
      },
    });
  });
