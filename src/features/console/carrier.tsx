// The carrier's desk: dispatch and sign-off one parcel at a time (a scanner types each code and
// Enter into the field) or a shift's waybills by file, and the alerts its records raised.
import type { Context } from "hono";
import { Hono } from "hono";
import type { AppEnv } from "../../lib/context";
import { listAlerts } from "../alerts/service";
import { lifecycleContext, lifecycleWriter } from "../events/routes";
import { LifecycleBody } from "../events/schemas";
import { recordLifecycle } from "../events/service";
import { bulkUpload, checkedGroup, type Group, type Problem } from "./bulk";
import type { ConsoleDict } from "./i18n";
import {
  activityOf,
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
import { codesOf, correctFromDesk, RecentTable, recentEvents } from "./seller";
import { checkedForm, checkedUpload } from "./session";

type Values = Record<string, string>;

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
        <RecentTable
          t={t}
          csrf={csrf}
          rows={recent}
          referenceLabel={w.waybill}
          action="/console/shipments/correct"
        />
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

const carrier = (c: Context<AppEnv>) => deskSession(c, ["logistics"]);

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
          : done === "correction"
            ? t.desk.correction.done
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
    })().catch(
      refusedOn(
        (message, status) => shipmentsPage(c, active.org.id, { values: form, message, status }),
        t,
      ),
    );
  })
  .post("/console/shipments/correct", async (c) => {
    const { actor, active, t } = await carrier(c);
    const form = await checkedForm(c);
    return correctFromDesk(c, actor, form)
      .then(() => see(c, "/console/shipments?done=correction"))
      .catch(
        refusedOn((message, status) => shipmentsPage(c, active.org.id, { message, status }), t),
      );
  })
  .post("/console/shipments/upload", async (c) => {
    const { actor, active, t } = await carrier(c);
    const { form, files } = await checkedUpload(c);
    // A file may hold both actions: the member's organisation must be allowed both (sign-off
    // is the narrower).
    return bulkUpload(
      c,
      actor,
      { form, files },
      {
        kind: "sign_off",
        action: "/console/shipments/upload",
        nav: "shipments",
        activity: "shipments.upload",
        required: WAYBILL_COLUMNS,
        optional: [WEIGHT, DESTINATION],
        group: (rows) => waybillGroups(rows as WaybillRow[]),
        committed: (outcome, rows) =>
          shipmentsPage(c, active.org.id, {
            status: 201,
            message: {
              kind: "ok",
              text: t.desk.bulk.committed(rows.length, outcome.recorded.length),
            },
          }),
      },
    ).catch(
      refusedOn((message, status) => shipmentsPage(c, active.org.id, { message, status }), t),
    );
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
