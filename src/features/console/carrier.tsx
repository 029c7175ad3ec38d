// The carrier's desk: dispatch and sign-off one parcel at a time (a scanner types each code and
// Enter into the field) or a shift's waybills by file, and the alerts its records raised.
import type { Context } from "hono";
import { Hono } from "hono";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { readTable } from "../../lib/tabular";
import { listAlerts } from "../alerts/service";
import { lifecycleContext, lifecycleWriter } from "../events/routes";
import { LifecycleBody } from "../events/schemas";
import { recordLifecycle } from "../events/service";
import {
  checkedGroup,
  column,
  type Group,
  MAX_BULK_ROWS,
  missingColumns,
  type Problem,
  runBulk,
} from "./bulk";
import type { ConsoleDict } from "./i18n";
import { Field, given, messageOf, numberOr, page, parsed, requireDesk, see } from "./kit";
import { Csrf, type Message } from "./layout";
import { activityOf, codesOf, Preview, RecentTable, recentEvents } from "./seller";
import { checkedForm, checkedUpload, requireSession } from "./session";

type Values = Record<string, string>;
const when = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ");

function ShipmentsDesk({
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
  const w = t.desk.shipments;
  const scanner = (name: string) => (
    <>
      <label for={name}>{w.items}</label>
      <textarea id={name} name="items" required autocomplete="off" rows={4}>
        {values.action === name ? (values.items ?? "") : ""}
      </textarea>
    </>
  );
  return (
    <>
      <section>
        <h2>{w.dispatch}</h2>
        <form method="post" action="/console/shipments">
          <Csrf token={csrf} />
          <input type="hidden" name="action" value="dispatch" />
          {scanner("dispatch")}
          <div class="grid">
            <div>
              <Field name="waybill" label={w.waybill} values={values} required maxlength={64} />
            </div>
            <div>
              <Field
                name="parcelWeightGrams"
                label={w.weight}
                values={values}
                required
                inputmode="numeric"
              />
            </div>
          </div>
          <Field
            name="destinationRegion"
            label={w.destination}
            values={values}
            required
            inputmode="numeric"
            maxlength={6}
          />
          <button type="submit">{w.dispatchSubmit}</button>
        </form>
      </section>
      <section>
        <h2>{w.signOff}</h2>
        <form method="post" action="/console/shipments">
          <Csrf token={csrf} />
          <input type="hidden" name="action" value="sign_off" />
          {scanner("sign_off")}
          <label for="signOffWaybill">{w.waybill}</label>
          <input id="signOffWaybill" name="signOffWaybill" maxlength={64} />
          <button type="submit">{w.signOffSubmit}</button>
        </form>
      </section>
      <section>
        <h2>{w.upload}</h2>
        <p class="muted">{w.uploadHint}</p>
        <form method="post" action="/console/shipments/upload" enctype="multipart/form-data">
          <Csrf token={csrf} />
          <label for="file">{t.desk.sales.file}</label>
          <input id="file" name="file" type="file" required accept=".csv,.xlsx,text/csv" />
          <button type="submit">{t.desk.sales.preview}</button>
        </form>
      </section>
      <section class="scroll">
        <h2>{w.recent}</h2>
        <RecentTable t={t} rows={recent} referenceLabel={w.waybill} />
      </section>
    </>
  );
}

const WAYBILL_COLUMNS = {
  action: ["action", "动作"],
  waybill: ["waybill", "运单号"],
  item: ["item", "code", "单件码"],
} as const;
const WEIGHT = ["weight", "parcelweightgrams", "重量"];
const DESTINATION = ["destination", "destinationregion", "目的地"];

/** A waybill row as it travels from the preview to the commit: [line, action, waybill, item, weight, destination]. */
type WaybillRow = [number, string, string, string, string, string];

const ACTIONS: Record<string, "dispatch" | "sign_off"> = {
  dispatch: "dispatch",
  发货: "dispatch",
  sign_off: "sign_off",
  signoff: "sign_off",
  签收: "sign_off",
};

/** Rows of one waybill and action are one event; a dispatch's weight and destination come from its rows. */
export function waybillGroups(rows: WaybillRow[]): { groups: Group[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const parcels = new Map<string, { kind: "dispatch" | "sign_off"; rows: WaybillRow[] }>();
  for (const row of rows) {
    const [line, action, waybill, item] = row;
    const kind = ACTIONS[action.toLowerCase()];
    if (!kind)
      problems.push({ line, message: `action: ${action || "empty"}; dispatch or sign_off` });
    else if (!waybill) problems.push({ line, message: "waybill: empty" });
    else if (!item) problems.push({ line, message: "item: empty" });
    else {
      const key = `${kind}\n${waybill}`;
      const parcel = parcels.get(key) ?? { kind, rows: [] };
      parcel.rows.push(row);
      parcels.set(key, parcel);
    }
  }
  const groups: Group[] = [];
  for (const { kind, rows: parcel } of parcels.values()) {
    const lines = parcel.map((r) => r[0]);
    const waybill = parcel[0]![2];
    const first = (i: 4 | 5) => parcel.map((r) => r[i]).find((v) => v !== "") ?? "";
    const body =
      kind === "dispatch"
        ? {
            kind,
            items: parcel.map((r) => r[3]),
            waybill,
            parcelWeightGrams: numberOr(first(4) || undefined) ?? "",
            destinationRegion: first(5),
          }
        : { kind, items: parcel.map((r) => r[3]), waybill };
    const group = checkedGroup(LifecycleBody, lines, body, problems);
    if (group) groups.push(group);
  }
  return { groups, problems };
}

function uploadedRows(form: Values): WaybillRow[] {
  try {
    const rows = JSON.parse(form.rows ?? "[]") as unknown;
    if (
      Array.isArray(rows) &&
      rows.length <= MAX_BULK_ROWS &&
      rows.every(
        (r) =>
          Array.isArray(r) &&
          r.length === 6 &&
          typeof r[0] === "number" &&
          r.slice(1).every((x: unknown) => typeof x === "string"),
      )
    ) {
      return rows as WaybillRow[];
    }
  } catch {
    // answered below
  }
  throw new AppError(
    "validation_failed",
    "form.rows: not the rows of a preview; upload the file again",
    { errors: [{ path: "form.rows", message: "upload the file again" }] },
  );
}

async function carrier(c: Context<AppEnv>) {
  const session = await requireSession(c);
  requireDesk(session.active, ["logistics"], session.t);
  return session;
}

async function shipmentsPage(
  c: Context<AppEnv>,
  orgId: string,
  extra: { values?: Values; message?: Message | null; status?: number } = {},
) {
  const recent = await recentEvents(c, orgId, ["dispatch", "sign_off"]);
  return page(c, {
    title: (t) => t.desk.shipments.title,
    nav: "shipments",
    message: extra.message ?? null,
    status: extra.status ?? 200,
    body: (csrf, t) => (
      <ShipmentsDesk t={t} csrf={csrf} values={extra.values ?? {}} recent={recent} />
    ),
  });
}

export const carrierRoutes = new Hono<AppEnv>()
  .get("/console/shipments", async (c) => {
    const { active, t } = await carrier(c);
    const done = c.req.query("done");
    const n = Number(c.req.query("n") ?? "0");
    const text =
      done === "dispatch"
        ? t.desk.shipments.dispatched(n)
        : done === "sign_off"
          ? t.desk.shipments.signedOff(n)
          : null;
    return shipmentsPage(c, active.org.id, { message: text ? { kind: "ok", text } : null });
  })
  .post("/console/shipments", async (c) => {
    const { actor, active, t } = await carrier(c);
    const form = await checkedForm(c);
    return (async () => {
      const kind = form.action === "sign_off" ? "sign_off" : "dispatch";
      // The same check as POST /v1/events of this kind.
      const caller = await lifecycleWriter(c, kind);
      const input = parsed(
        LifecycleBody,
        kind === "dispatch"
          ? {
              kind,
              items: codesOf(form.items),
              waybill: form.waybill ?? "",
              parcelWeightGrams: numberOr(given(form, "parcelWeightGrams")) ?? "",
              destinationRegion: form.destinationRegion ?? "",
            }
          : { kind, items: codesOf(form.items), waybill: given(form, "signOffWaybill") },
      );
      const recorded = await recordLifecycle(
        c.var.deps.db,
        lifecycleContext(c, caller.org),
        input,
        (tx, r) => activityOf(tx, c, actor, `${kind}.record`, `${r.appended.row.id}`),
      );
      return see(c, `/console/shipments?done=${kind}&n=${recorded.affected}`);
    })().catch(async (error) => {
      if (!(error instanceof AppError)) throw error;
      return shipmentsPage(c, active.org.id, {
        values: form,
        message: messageOf(t, error),
        status: error.status,
      });
    });
  })
  .post("/console/shipments/upload", async (c) => {
    const { actor, active, t } = await carrier(c);
    const { form, files } = await checkedUpload(c);
    return (async () => {
      // A file may hold both actions: the member's organisation must be allowed both.
      const caller = await lifecycleWriter(c, "sign_off");
      const commit = form.commit === "yes";
      let rows: WaybillRow[];
      if (commit) rows = uploadedRows(form);
      else {
        const file = files.file;
        const table = await readTable(
          file ? new Uint8Array(await file.arrayBuffer()) : new Uint8Array(),
          { maxRows: MAX_BULK_ROWS },
        );
        const missing = missingColumns(table.columns, WAYBILL_COLUMNS);
        if (missing.length > 0) {
          throw new AppError(
            "validation_failed",
            `form.file: ${t.desk.bulk.missingColumn(missing.join(", "))}`,
            { errors: [{ path: "form.file", message: `missing columns: ${missing.join(", ")}` }] },
          );
        }
        rows = table.rows.map((r) => [
          r.line,
          column(r, WAYBILL_COLUMNS.action),
          column(r, WAYBILL_COLUMNS.waybill),
          column(r, WAYBILL_COLUMNS.item),
          column(r, WEIGHT),
          column(r, DESTINATION),
        ]);
      }
      const { groups, problems } = waybillGroups(rows);
      const outcome = await runBulk(
        c.var.deps.db,
        lifecycleContext(c, caller.org),
        groups,
        {
          commit,
          also: (tx) => activityOf(tx, c, actor, "shipments.upload", `${rows.length} rows`),
        },
        problems,
      );
      if (outcome.committed) {
        return shipmentsPage(c, active.org.id, {
          status: 201,
          message: {
            kind: "ok",
            text: t.desk.bulk.committed(rows.length, outcome.recorded.length),
          },
        });
      }
      return page(c, {
        title: (tt) => tt.desk.bulk.previewTitle,
        nav: "shipments",
        status: outcome.problems.length > 0 ? 422 : 200,
        ...(commit && outcome.problems.length > 0
          ? { message: { kind: "err" as const, text: t.desk.bulk.refused } }
          : {}),
        body: (csrf, tt) => (
          <Preview
            t={tt}
            csrf={csrf}
            action="/console/shipments/upload"
            rows={JSON.stringify(rows)}
            total={rows.length}
            problems={outcome.problems}
            back="/console/shipments"
          />
        ),
      });
    })().catch(async (error) => {
      if (!(error instanceof AppError)) throw error;
      return shipmentsPage(c, active.org.id, {
        message: messageOf(t, error),
        status: error.status,
      });
    });
  })
  .get("/console/alerts", async (c) => {
    const { active } = await carrier(c);
    const list = await listAlerts(c.var.deps.db, active.org, { limit: 100 });
    return page(c, {
      title: (t) => t.desk.alerts.title,
      nav: "alerts",
      body: (_csrf, t) => {
        const w = t.desk.alerts;
        return (
          <section class="scroll">
            <p class="muted">{w.intro}</p>
            {list.items.length === 0 ? (
              <p class="muted">{w.none}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>{w.at}</th>
                    <th>{w.rule}</th>
                    <th>{w.status}</th>
                    <th>{w.detail}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((a) => (
                    <tr data-alert={a.id} data-kind={a.kind}>
                      <td>{when(new Date(a.createdAt))}</td>
                      <td>
                        <code>{a.kind}</code>
                      </td>
                      <td>
                        <span class="badge">{a.status}</span>
                        {a.decision ? ` ${a.decision.reason}` : ""}
                      </td>
                      <td>
                        <code>{a.subjectKey}</code>{" "}
                        {Object.entries(a.details)
                          .slice(0, 4)
                          .map(
                            ([k, v]) =>
                              `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`,
                          )
                          .join("; ")}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        );
      },
    });
  });
