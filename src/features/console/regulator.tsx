// The regulator's desks: the verification queue, the alert queue (with evidence, bulk decisions and
// the rules' thresholds), complaints, and the red and black lists with credit repair. Each one
// covers the regulator's jurisdiction only, because it calls the same services, under the same
// checks, as the API; every decision leaves an activity row naming the member.

import { eq, inArray } from "drizzle-orm";
import type { Context } from "hono";
import { Hono } from "hono";
import { lookupRegion } from "../../codes/region";
import { checkUscc } from "../../codes/uscc";
import { ALERT_KINDS, type Alert, events, type Org, type OrgStatus, orgs } from "../../db/schema";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { AlertDecisionBody } from "../alerts/schemas";
import { alertView, decideAlert, getAlert, listAlerts } from "../alerts/service";
import { loadThresholds, saveThresholds, ThresholdsInput } from "../alerts/thresholds";
import { ComplaintDecisionBody } from "../complaints/schemas";
import { decideComplaint, listComplaints } from "../complaints/service";
import { orgCredit } from "../credit/service";
import { creditChanged, creditSummaries } from "../credit/summaries";
import { CreateListEntryBody, RemovalBody, RepairDecisionBody } from "../lists/schemas";
import {
  createEntry,
  decideRepair,
  listPublished,
  listRepairRequests,
  removeEntry,
} from "../lists/service";
import {
  assertNational,
  jurisdictionNames,
  jurisdictionOf,
  WHOLE_COUNTRY,
} from "../orgs/jurisdiction";
import { StatusChangeBody } from "../orgs/schemas";
import { ALLOWED, changeOrgStatus, getOrg, listOrgs, statusHistory } from "../orgs/service";
import type { ConsoleDict } from "./i18n";
import {
  attributed,
  deskForm,
  deskSession,
  Field,
  page,
  parsed,
  refusedOn,
  see,
  when,
} from "./kit";
import { Csrf, type Message } from "./layout";

type Values = Record<string, string>;

export async function regulator(c: Context<AppEnv>) {
  const session = await deskSession(c, ["regulator"]);
  return { ...session, jurisdiction: jurisdictionOf(session.active.org) ?? WHOLE_COUNTRY };
}

const regulatorForm = (c: Context<AppEnv>) => deskForm(c, ["regulator"]);

function Jurisdiction({ t, code }: { t: ConsoleDict; code: string }) {
  return (
    <p class="muted" data-testid="jurisdiction">
      {t.reg.jurisdiction(`${jurisdictionNames(code).join(" ")} (${code})`)}
    </p>
  );
}

/** The organisations named by these ids (nulls and repeats ignored), by id. */
async function orgsById(
  c: Context<AppEnv>,
  ids: (string | null | undefined)[],
): Promise<Map<string, Org>> {
  const wanted = [...new Set(ids.filter((x): x is string => !!x))];
  if (wanted.length === 0) return new Map();
  const rows = await c.var.deps.db.select().from(orgs).where(inArray(orgs.id, wanted));
  return new Map(rows.map((o) => [o.id, o]));
}

/** A desk page: the console's frame, with the jurisdiction the page covers above the content. */
function deskPage(c: Context<AppEnv>, jurisdiction: string, input: Parameters<typeof page>[1]) {
  return page(c, {
    ...input,
    body: (csrf, t) => (
      <>
        <Jurisdiction t={t} code={jurisdiction} />
        {input.body(csrf, t)}
      </>
    ),
  });
}

const regionNames = (code: string) => lookupRegion(code)?.names.join(" ") ?? code;

/** A reason field and a submit button: what every decision form ends with. */
function Reason({ t, id, submit }: { t: ConsoleDict; id: string; submit: string }) {
  return (
    <>
      <label for={id}>{t.reg.reason}</label>
      <input id={id} name="reason" required minlength={2} maxlength={2000} />
      <button type="submit">{submit}</button>
    </>
  );
}

// ---------------------------------------------------------------- verification

const WAITING: OrgStatus[] = ["pending", "pending_review"];
const QUEUE_STATUSES: OrgStatus[] = ["pending", "pending_review", "suspended", "rejected"];

function StatusForm({ t, csrf, org }: { t: ConsoleDict; csrf: string; org: Org }) {
  const w = t.reg.orgs;
  return (
    <form method="post" action={`/console/regulate/orgs/${org.id}/status`}>
      <Csrf token={csrf} />
      <label for={`to-${org.id}`}>{w.to}</label>
      <select id={`to-${org.id}`} name="status">
        {ALLOWED[org.status].map((s) => (
          <option value={s}>{t.reg.statuses[s]}</option>
        ))}
      </select>
      <Reason t={t} id={`reason-${org.id}`} submit={t.reg.decide} />
    </form>
  );
}

function Identity({ t, org }: { t: ConsoleDict; org: Org }) {
  if (org.uscc) {
    const check = checkUscc(org.uscc);
    return (
      <>
        <code>{org.uscc}</code>{" "}
        <span class={`badge ${check.ok ? "pass" : "fail"}`}>
          {check.ok ? t.reg.orgs.usccOk : t.reg.orgs.usccBad}
        </span>
      </>
    );
  }
  return <code>{org.personIdLast4 ? `**************${org.personIdLast4}` : "—"}</code>;
}

const licencesOf = (org: Org) =>
  org.licences.map(
    (l) =>
      `${l.kind} ${l.number}${l.issuer ? ` (${l.issuer})` : ""}${l.validUntil ? ` → ${l.validUntil}` : ""}`,
  );

async function orgQueuePage(c: Context<AppEnv>, message: Message | null = null, status = 200) {
  const { active, jurisdiction } = await regulator(c);
  const asked = c.req.query("status") as OrgStatus | undefined;
  const statuses = asked && QUEUE_STATUSES.includes(asked) ? [asked] : WAITING;
  const lists = await Promise.all(
    statuses.map((s) =>
      listOrgs(c.var.deps.db, { status: s, jurisdiction, limit: 100 }).then((p) => p.items),
    ),
  );
  const rows = lists.flat().sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return deskPage(c, jurisdiction, {
    title: (t) => t.reg.orgs.title,
    nav: "verification",
    message,
    status,
    body: (csrf, t) => {
      const w = t.reg.orgs;
      return (
        <>
          <p class="muted">{w.intro}</p>
          <p>
            <a href="/console/regulate/orgs">{w.waiting}</a>
            {QUEUE_STATUSES.slice(2).map((s) => (
              <>
                {" · "}
                <a href={`/console/regulate/orgs?status=${s}`}>{t.reg.statuses[s]}</a>
              </>
            ))}
          </p>
          {rows.length === 0 ? (
            <p class="muted">{w.none}</p>
          ) : (
            <section class="scroll">
              <table>
                <thead>
                  <tr>
                    <th>{w.name}</th>
                    <th>{w.identity}</th>
                    <th>{w.region}</th>
                    <th>{w.licences}</th>
                    <th>{w.status}</th>
                    <th>{w.to}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((o) => (
                    <tr data-org={o.id}>
                      <td>
                        <a href={`/console/regulate/orgs/${o.id}`}>{o.nameZh}</a>
                        <br />
                        <span class="muted">
                          {o.roles.map((r) => t.orgRole[r]).join(" / ")} · {when(o.createdAt)}
                        </span>
                      </td>
                      <td>
                        <Identity t={t} org={o} />
                      </td>
                      <td>{regionNames(o.regionCode)}</td>
                      <td>
                        {licencesOf(o).map((l) => (
                          <div>
                            <code>{l}</code>
                          </div>
                        ))}
                      </td>
                      <td>
                        <span class="badge">{t.reg.statuses[o.status]}</span>
                        {o.statusReason ? <div class="muted">{o.statusReason}</div> : null}
                      </td>
                      <td>
                        {active.org.id === o.id ? null : <StatusForm t={t} csrf={csrf} org={o} />}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
        </>
      );
    },
  });
}

async function orgPage(c: Context<AppEnv>, id: string, message: Message | null, status = 200) {
  const { jurisdiction } = await regulator(c);
  const db = c.var.deps.db;
  const org = await getOrg(db, id);
  const history = await statusHistory(db, id);
  const actors = await orgsById(
    c,
    history.map((h) => h.actorOrgId),
  );
  return deskPage(c, jurisdiction, {
    title: () => org.nameZh,
    nav: "verification",
    message,
    status,
    body: (csrf, t) => {
      const w = t.reg.orgs;
      return (
        <>
          <dl>
            <dt>{w.identity}</dt>
            <dd>
              <Identity t={t} org={org} />
            </dd>
            <dt>{w.roles}</dt>
            <dd>{org.roles.map((r) => t.orgRole[r]).join(" / ")}</dd>
            <dt>{w.region}</dt>
            <dd>
              {regionNames(org.regionCode)} ({org.regionCode}) {org.address ?? ""}
            </dd>
            <dt>{w.licences}</dt>
            <dd>{licencesOf(org).join("; ") || "—"}</dd>
            <dt>{w.status}</dt>
            <dd>
              <span class="badge" data-testid="org-status">
                {t.reg.statuses[org.status]}
              </span>
            </dd>
          </dl>
          <StatusForm t={t} csrf={csrf} org={org} />
          <h2>{w.history}</h2>
          <table>
            <thead>
              <tr>
                <th>{w.at}</th>
                <th>{w.from}</th>
                <th>{w.to}</th>
                <th>{t.reg.reason}</th>
                <th>{w.by}</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h) => (
                <tr>
                  <td>{when(h.at)}</td>
                  <td>{h.fromStatus ? t.reg.statuses[h.fromStatus] : "—"}</td>
                  <td>{t.reg.statuses[h.toStatus]}</td>
                  <td>{h.reason}</td>
                  <td>{h.actorOrgId ? (actors.get(h.actorOrgId)?.nameZh ?? h.actorOrgId) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>
            <a href="/console/regulate/orgs">{t.reg.back}</a>
          </p>
        </>
      );
    },
  });
}

// ---------------------------------------------------------------- alerts

const DAY_MS = 86_400_000;

function alertFilterOf(c: Context<AppEnv>) {
  const q = c.req.query();
  const kind = (ALERT_KINDS as readonly string[]).includes(q.kind ?? "") ? q.kind : undefined;
  const status = ["open", "confirmed", "dismissed"].includes(q.status ?? "") ? q.status : "open";
  const region = /^\d{6}$/.test(q.region ?? "") ? q.region : undefined;
  const age = ["1", "3", "7", "30"].includes(q.age ?? "") ? q.age : undefined;
  const orgId = (q.org ?? "").trim().slice(0, 64) || undefined;
  return { kind, status, region, age, orgId } as {
    kind?: Alert["kind"];
    status: Alert["status"];
    region?: string;
    age?: string;
    orgId?: string;
  };
}

async function alertQueuePage(c: Context<AppEnv>, message: Message | null = null, status = 200) {
  const { active, jurisdiction } = await regulator(c);
  const db = c.var.deps.db;
  const f = alertFilterOf(c);
  const createdBefore = f.age
    ? new Date(c.var.deps.clock.now().getTime() - Number(f.age) * DAY_MS).toISOString()
    : undefined;
  const list = await listAlerts(db, active.org, {
    kind: f.kind,
    status: f.status,
    region: f.region,
    orgId: f.orgId,
    createdBefore,
    limit: 200,
  });
  const orgOf = await orgsById(
    c,
    list.items.map((a) => a.orgId),
  );
  const values: Values = {
    region: f.region ?? "",
    org: f.orgId ?? "",
  };
  return deskPage(c, jurisdiction, {
    title: (t) => t.reg.alerts.title,
    nav: "alertQueue",
    message,
    status,
    body: (csrf, t) => {
      const w = t.reg.alerts;
      return (
        <>
          <p class="muted">
            {w.intro} <a href="/console/regulate/thresholds">{w.thresholds}</a>
          </p>
          <form method="get" action="/console/regulate/alerts" class="grid">
            <div>
              <label for="kind">{w.rule}</label>
              <select id="kind" name="kind">
                <option value="">{t.reg.all}</option>
                {ALERT_KINDS.map((k) => (
                  <option value={k} selected={f.kind === k}>
                    {k}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label for="status">{w.status}</label>
              <select id="status" name="status">
                {(["open", "confirmed", "dismissed"] as const).map((s) => (
                  <option value={s} selected={f.status === s}>
                    {s}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <Field
                name="region"
                label={w.region}
                values={values}
                inputmode="numeric"
                maxlength={6}
              />
            </div>
            <div>
              <Field name="org" label={w.org} values={values} maxlength={64} />
            </div>
            <div>
              <label for="age">{w.age}</label>
              <select id="age" name="age">
                {Object.entries(w.ages).map(([v, label]) => (
                  <option value={v} selected={(f.age ?? "") === v}>
                    {label}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <button type="submit">{t.reg.filter}</button>
            </div>
          </form>
          {list.items.length === 0 ? (
            <p class="muted">{w.none}</p>
          ) : (
            <form method="post" action="/console/regulate/alerts/bulk">
              <Csrf token={csrf} />
              <section class="scroll">
                <table>
                  <thead>
                    <tr>
                      <th />
                      <th>{w.at}</th>
                      <th>{w.rule}</th>
                      <th>{w.concerned}</th>
                      <th>{w.subject}</th>
                      <th>{w.status}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.items.map((a) => {
                      const o = a.orgId ? orgOf.get(a.orgId) : undefined;
                      return (
                        <tr data-alert={a.id} data-kind={a.kind}>
                          <td>
                            {a.status === "open" ? (
                              <input
                                type="checkbox"
                                name={`pick_${a.id}`}
                                value="1"
                                aria-label={a.id}
                              />
                            ) : null}
                          </td>
                          <td>{when(new Date(a.createdAt))}</td>
                          <td>
                            <code>{a.kind}</code> <span class="badge">{a.severity}</span>
                          </td>
                          <td>{o ? `${o.nameZh} · ${regionNames(o.regionCode)}` : "—"}</td>
                          <td>
                            <a href={`/console/regulate/alerts/${a.id}`}>{w.open}</a>{" "}
                            <code>{a.subjectKey}</code>
                          </td>
                          <td>
                            <span class="badge">{a.status}</span>
                            {a.decision ? ` ${a.decision.reason}` : ""}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </section>
              <fieldset>
                <legend>{w.bulk}</legend>
                <label for="bulk-status">{w.status}</label>
                <select id="bulk-status" name="status">
                  <option value="confirmed">{w.confirm}</option>
                  <option value="dismissed">{w.dismiss}</option>
                </select>
                <Reason t={t} id="bulk-reason" submit={t.reg.decide} />
              </fieldset>
            </form>
          )}
        </>
      );
    },
  });
}

async function alertPage(c: Context<AppEnv>, id: string, message: Message | null, status = 200) {
  const { active, jurisdiction } = await regulator(c);
  const db = c.var.deps.db;
  const alert = alertView(await getAlert(db, active.org, id));
  const evidence = alert.evidence.length
    ? await db
        .select({
          id: events.id,
          eventId: events.eventId,
          kind: events.kind,
          eventTime: events.eventTime,
          actorOrgId: events.actorOrgId,
        })
        .from(events)
        .where(inArray(events.id, alert.evidence))
    : [];
  const names = await orgsById(c, [alert.orgId, ...evidence.map((e) => e.actorOrgId)]);
  const concerned = alert.orgId ? names.get(alert.orgId) : undefined;
  return deskPage(c, jurisdiction, {
    title: (t) => `${t.reg.alerts.title} · ${alert.kind}`,
    nav: "alertQueue",
    message,
    status,
    body: (csrf, t) => {
      const w = t.reg.alerts;
      return (
        <>
          <dl>
            <dt>{w.rule}</dt>
            <dd>
              <code>{alert.kind}</code> <span class="badge">{alert.severity}</span>
            </dd>
            <dt>{w.concerned}</dt>
            <dd>
              {concerned
                ? `${concerned.nameZh} (${alert.orgId}) · ${regionNames(concerned.regionCode)}`
                : "—"}
            </dd>
            <dt>{w.subject}</dt>
            <dd>
              <code>{alert.subjectKey}</code>
            </dd>
            <dt>{w.at}</dt>
            <dd>{when(new Date(alert.createdAt))}</dd>
            <dt>{w.status}</dt>
            <dd>
              <span class="badge" data-testid="alert-status">
                {alert.status}
              </span>
              {alert.decision ? ` ${alert.decision.reason}` : ""}
            </dd>
            <dt>{w.details}</dt>
            <dd>
              {Object.entries(alert.details).map(([k, v]) => (
                <div>
                  <code>{k}</code>: {typeof v === "object" ? JSON.stringify(v) : String(v)}
                </div>
              ))}
            </dd>
            {alert.response ? (
              <>
                <dt>{w.response}</dt>
                <dd>{alert.response.text}</dd>
              </>
            ) : null}
          </dl>
          <h2>{w.evidence}</h2>
          <table>
            <tbody>
              {evidence.map((e) => (
                <tr data-event={e.id}>
                  <td>{when(e.eventTime)}</td>
                  <td>{e.kind}</td>
                  <td>{e.actorOrgId ? (names.get(e.actorOrgId)?.nameZh ?? e.actorOrgId) : "—"}</td>
                  <td>
                    <a href={`/v1/events/${e.id}`}>
                      <code>{e.eventId}</code>
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {alert.status === "open" ? (
            <form method="post" action={`/console/regulate/alerts/${alert.id}/decision`}>
              <Csrf token={csrf} />
              <label for="status">{w.status}</label>
              <select id="status" name="status">
                <option value="confirmed">{w.confirm}</option>
                <option value="dismissed">{w.dismiss}</option>
              </select>
              <Reason t={t} id="reason" submit={t.reg.decide} />
            </form>
          ) : null}
          <p>
            <a href="/console/regulate/alerts">{t.reg.back}</a>
          </p>
        </>
      );
    },
  });
}

/** The thresholds form: one number field per setting, named `group.setting`. */
async function thresholdsPage(c: Context<AppEnv>, message: Message | null = null, status = 200) {
  const { jurisdiction } = await regulator(c);
  const current = (await loadThresholds(c.var.deps.db)) as unknown as Record<
    string,
    Record<string, number>
  >;
  const national = jurisdiction === WHOLE_COUNTRY;
  return deskPage(c, jurisdiction, {
    title: (t) => t.reg.thresholds.title,
    nav: "alertQueue",
    message,
    status,
    body: (csrf, t) => {
      const w = t.reg.thresholds;
      return (
        <>
          <p class="muted">{national ? w.intro : w.national}</p>
          <form method="post" action="/console/regulate/thresholds">
            <Csrf token={csrf} />
            {Object.entries(current).map(([group, settings]) => (
              <fieldset>
                <legend>{group}</legend>
                {Object.entries(settings).map(([name, value]) => (
                  <Field
                    name={`${group}.${name}`}
                    label={name}
                    value={String(value)}
                    inputmode="decimal"
                    required
                  />
                ))}
              </fieldset>
            ))}
            {national ? <button type="submit">{w.save}</button> : null}
          </form>
        </>
      );
    },
  });
}

/** `group.setting` fields back into the nested thresholds; a field that is not a number stays text, so validation names it. */
function thresholdsOf(form: Values): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, raw] of Object.entries(form)) {
    const [group, name, ...rest] = key.split(".");
    if (!group || !name || rest.length > 0) continue;
    const text = raw.trim();
    const n = Number(text);
    const settings = out[group] ?? {};
    settings[name] = text !== "" && Number.isFinite(n) ? n : text;
    out[group] = settings;
  }
  return out;
}

// ---------------------------------------------------------------- complaints

async function complaintQueuePage(
  c: Context<AppEnv>,
  message: Message | null = null,
  status = 200,
) {
  const { active, jurisdiction } = await regulator(c);
  const db = c.var.deps.db;
  const asked = c.req.query("status");
  const filter = ["open", "answered", "upheld", "rejected"].includes(asked ?? "")
    ? (asked as "open")
    : undefined;
  const list = await listComplaints(db, active.org, { status: filter, limit: 100 });
  const sellerOf = await orgsById(
    c,
    list.items.map((x) => x.sellerOrgId),
  );
  const credit = await creditSummaries(db, c.var.deps.clock, [...sellerOf.values()]);
  return deskPage(c, jurisdiction, {
    title: (t) => t.reg.complaints.title,
    nav: "complaintQueue",
    message,
    status,
    body: (csrf, t) => {
      const w = t.reg.complaints;
      return (
        <>
          <p class="muted">{w.intro}</p>
          <p>
            <a href="/console/regulate/complaints">{t.reg.all}</a>
            {Object.entries(w.statuses).map(([s, label]) => (
              <>
                {" · "}
                <a href={`/console/regulate/complaints?status=${s}`}>{label}</a>
              </>
            ))}
          </p>
          {list.items.length === 0 ? <p class="muted">{w.none}</p> : null}
          {list.items.map((x) => {
            const seller = x.sellerOrgId ? sellerOf.get(x.sellerOrgId) : undefined;
            const grade = x.sellerOrgId ? credit.get(x.sellerOrgId) : undefined;
            const undecided = x.status === "open" || x.status === "answered";
            return (
              <section data-complaint={x.id}>
                <p class="muted">
                  {when(new Date(x.createdAt))} · {x.category} · {x.itemKey ?? x.gtin ?? ""} ·{" "}
                  <span class="badge">{w.statuses[x.status] ?? x.status}</span>{" "}
                  {x.withReceipt ? w.withReceipt : w.anonymous}
                </p>
                <p>{x.text}</p>
                <p class="muted">
                  {w.seller}:{" "}
                  {seller ? `${seller.nameZh} · ${regionNames(seller.regionCode)}` : "—"}
                  {grade ? (
                    <>
                      {" "}
                      · {w.credit} <b data-testid="seller-grade">{grade.grade ?? "M"}</b>
                    </>
                  ) : null}
                </p>
                <p>
                  <b>{w.answer}:</b> {x.answer ? x.answer.text : w.noAnswer}
                </p>
                {undecided ? (
                  <form method="post" action={`/console/regulate/complaints/${x.id}/decision`}>
                    <Csrf token={csrf} />
                    <label for={`decision-${x.id}`}>{t.reg.decide}</label>
                    <select id={`decision-${x.id}`} name="decision">
                      <option value="upheld">{w.upheld}</option>
                      <option value="rejected">{w.rejected}</option>
                    </select>
                    <Reason t={t} id={`reason-${x.id}`} submit={t.reg.decide} />
                  </form>
                ) : x.decision ? (
                  <p class="muted">
                    {t.reg.reason}: {x.decision.reason}
                  </p>
                ) : null}
              </section>
            );
          })}
        </>
      );
    },
  });
}

// ---------------------------------------------------------------- lists

async function listsPage(
  c: Context<AppEnv>,
  extra: { values?: Values; message?: Message | null; status?: number } = {},
) {
  const { active, jurisdiction } = await regulator(c);
  const { db, clock } = c.var.deps;
  const [published, repairs] = await Promise.all([
    listPublished(db, clock, {
      region: jurisdiction === WHOLE_COUNTRY ? undefined : jurisdiction,
      limit: 100,
    }),
    listRepairRequests(db, active.org, { status: "pending", limit: 100 }),
  ]);
  const today = clock.now().toISOString().slice(0, 10);
  const values: Values = { authority: active.org.nameZh, listedOn: today, ...extra.values };
  return deskPage(c, jurisdiction, {
    title: (t) => t.reg.lists.title,
    nav: "lists",
    message: extra.message ?? null,
    status: extra.status ?? 200,
    body: (csrf, t) => {
      const w = t.reg.lists;
      return (
        <>
          <p class="muted">{w.intro}</p>
          <section>
            <h2>{w.add}</h2>
            <form method="post" action="/console/regulate/lists">
              <Csrf token={csrf} />
              <Field name="org" label={w.org} values={values} required maxlength={64} />
              <div class="grid">
                <div>
                  <label for="list">{w.list}</label>
                  <select id="list" name="list">
                    <option value="black" selected={values.list !== "red"}>
                      {w.black}
                    </option>
                    <option value="red" selected={values.list === "red"}>
                      {w.red}
                    </option>
                  </select>
                </div>
                <div>
                  <label for="severity">{w.severity}</label>
                  <select id="severity" name="severity">
                    {Object.entries(w.severities).map(([s, label]) => (
                      <option value={s} selected={(values.severity ?? "general") === s}>
                        {label}
                      </option>
                    ))}
                  </select>
                </div>
                <div>
                  <Field name="listedOn" label={w.listedOn} values={values} type="date" required />
                </div>
              </div>
              <Field
                name="listReason"
                label={w.listReason}
                values={values}
                required
                maxlength={2000}
              />
              <Field
                name="legalBasis"
                label={w.legalBasis}
                values={values}
                required
                maxlength={1000}
              />
              <Field
                name="authority"
                label={w.authority}
                values={values}
                required
                maxlength={200}
              />
              <button type="submit">{w.add}</button>
            </form>
          </section>
          <section class="scroll">
            <h2>{w.published}</h2>
            {published.items.length === 0 ? (
              <p class="muted">{w.none}</p>
            ) : (
              <table>
                <tbody>
                  {published.items.map((e) => (
                    <tr data-entry={e.id} data-list={e.list}>
                      <td>
                        <span class={`badge ${e.list}`}>{e.list === "red" ? w.red : w.black}</span>
                      </td>
                      <td>
                        {e.org.nameZh} <code>{e.org.uscc ?? ""}</code>
                      </td>
                      <td>
                        {e.reason}
                        <div class="muted">
                          {e.legalBasis} · {e.authority} · {w.severities[e.severity] ?? e.severity}
                        </div>
                      </td>
                      <td>
                        {e.listedOn} → {e.maxPublishUntil}
                      </td>
                      <td>
                        <details>
                          <summary>{w.lift}</summary>
                          <form method="post" action={`/console/regulate/lists/${e.id}/removal`}>
                            <Csrf token={csrf} />
                            <Reason t={t} id={`lift-${e.id}`} submit={w.lift} />
                          </form>
                        </details>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section>
            <h2>{w.repairs}</h2>
            {repairs.items.length === 0 ? <p class="muted">{w.noRepairs}</p> : null}
            {repairs.items.map((r) => (
              <div data-repair={r.id}>
                <p>
                  <code>{r.orgId}</code> · {when(new Date(r.requestedAt))}
                </p>
                <p>
                  {w.statement}: {r.statement}
                </p>
                <form method="post" action={`/console/regulate/lists/${r.entryId}/repair`}>
                  <Csrf token={csrf} />
                  <select name="decision" aria-label={w.repairs}>
                    <option value="granted">{w.grant}</option>
                    <option value="rejected">{w.refuse}</option>
                  </select>
                  <Reason t={t} id={`repair-${r.id}`} submit={t.reg.decide} />
                </form>
              </div>
            ))}
          </section>
        </>
      );
    },
  });
}

/** The organisation a regulator typed: its id, or its USCC. */
async function orgByIdOrUscc(c: Context<AppEnv>, typed: string, t: ConsoleDict): Promise<Org> {
  const code = typed.trim();
  const db = c.var.deps.db;
  const [byId] = await db.select().from(orgs).where(eq(orgs.id, code));
  if (byId) return byId;
  const [byUscc] = await db.select().from(orgs).where(eq(orgs.uscc, code.toUpperCase()));
  if (byUscc) return byUscc;
  throw new AppError("validation_failed", t.reg.lists.unknownOrg(code), {
    errors: [{ path: "form.org", message: "no such organisation" }],
  });
}

// ---------------------------------------------------------------- routes

const ok = (text: string): Message => ({ kind: "ok", text });

export const regulatorRoutes = new Hono<AppEnv>()
  .get("/console/regulate/orgs", (c) => orgQueuePage(c))
  .get("/console/regulate/orgs/:id", async (c) => {
    const { t } = await regulator(c);
    return orgPage(c, c.req.param("id"), c.req.query("done") ? ok(t.reg.orgs.changed) : null);
  })
  .post("/console/regulate/orgs/:id/status", async (c) => {
    const { actor, active, t, form } = await regulatorForm(c);
    const id = c.req.param("id");
    return (async () => {
      const input = parsed(StatusChangeBody, { status: form.status, reason: form.reason });
      await attributed(c, actor, "org.status", async (tx) => ({
        result: await changeOrgStatus(
          tx,
          c.var.deps.clock,
          id,
          input.status,
          input.reason,
          active.org,
        ),
        target: id,
      }));
      return see(c, `/console/regulate/orgs/${id}?done=1`);
    })().catch(refusedOn((message, status) => orgQueuePage(c, message, status), t));
  })
  .get("/console/regulate/alerts", async (c) => {
    const { t } = await regulator(c);
    const done = Number(c.req.query("done") ?? "NaN");
    return alertQueuePage(c, Number.isFinite(done) ? ok(t.reg.alerts.bulkDone(done)) : null);
  })
  .get("/console/regulate/alerts/:id", async (c) => {
    const { t } = await regulator(c);
    return alertPage(c, c.req.param("id"), c.req.query("done") ? ok(t.reg.alerts.decided) : null);
  })
  .post("/console/regulate/alerts/bulk", async (c) => {
    const { actor, active, t, form } = await regulatorForm(c);
    return (async () => {
      const input = parsed(AlertDecisionBody, { status: form.status, reason: form.reason });
      const ids = Object.keys(form)
        .filter((k) => k.startsWith("pick_"))
        .map((k) => k.slice("pick_".length));
      if (ids.length === 0) {
        throw new AppError("validation_failed", t.reg.alerts.bulkNone, {
          errors: [{ path: "form.pick", message: "no alert ticked" }],
        });
      }
      // All or none: one alert that cannot be decided (outside, or decided meanwhile) stops the lot.
      await attributed(c, actor, "alert.decide", async (tx) => {
        for (const id of ids) await decideAlert(tx, c.var.deps.clock, active.org, id, input);
        return { result: null, target: ids.join(" ") };
      });
      return see(c, `/console/regulate/alerts?done=${ids.length}`);
    })().catch(refusedOn((message, status) => alertQueuePage(c, message, status), t));
  })
  .post("/console/regulate/alerts/:id/decision", async (c) => {
    const { actor, active, t, form } = await regulatorForm(c);
    const id = c.req.param("id");
    return (async () => {
      const input = parsed(AlertDecisionBody, { status: form.status, reason: form.reason });
      await attributed(c, actor, "alert.decide", async (tx) => ({
        result: await decideAlert(tx, c.var.deps.clock, active.org, id, input),
        target: id,
      }));
      return see(c, `/console/regulate/alerts/${id}?done=1`);
    })().catch(refusedOn((message, status) => alertQueuePage(c, message, status), t));
  })
  .get("/console/regulate/thresholds", (c) => thresholdsPage(c))
  .post("/console/regulate/thresholds", async (c) => {
    const { actor, active, t, form } = await regulatorForm(c);
    return (async () => {
      assertNational(active.org, "the thresholds of the alert rules");
      const input = parsed(ThresholdsInput, thresholdsOf(form));
      await attributed(c, actor, "thresholds.save", async (tx) => ({
        result: await saveThresholds(tx, c.var.deps.clock.now(), active.org.id, input),
        target: null,
      }));
      return thresholdsPage(c, ok(t.reg.thresholds.saved));
    })().catch(refusedOn((message, status) => thresholdsPage(c, message, status), t));
  })
  .get("/console/regulate/complaints", (c) => complaintQueuePage(c))
  .post("/console/regulate/complaints/:id/decision", async (c) => {
    const { actor, active, t, form } = await regulatorForm(c);
    const id = c.req.param("id");
    return (async () => {
      const input = parsed(ComplaintDecisionBody, {
        decision: form.decision,
        reason: form.reason,
      });
      const decided = await attributed(c, actor, "complaint.decide", async (tx) => ({
        result: await decideComplaint(tx, c.var.deps.clock, active.org, id, input),
        target: id,
      }));
      // The effect on credit, computed afresh from the evidence the decision just added to.
      let text = t.reg.alerts.decided;
      if (decided.sellerOrgId) {
        const seller = await getOrg(c.var.deps.db, decided.sellerOrgId);
        await creditChanged(c.var.deps, [seller.id]);
        const credit = await orgCredit(c.var.deps.db, c.var.deps.clock, seller);
        text = t.reg.complaints.decided(credit.grade ?? "M", String(credit.score ?? "—"));
      }
      return complaintQueuePage(c, ok(text));
    })().catch(refusedOn((message, status) => complaintQueuePage(c, message, status), t));
  })
  .get("/console/regulate/lists", async (c) => {
    const { t } = await regulator(c);
    const done = c.req.query("done");
    const text =
      done === "added"
        ? t.reg.lists.added
        : done === "lifted"
          ? t.reg.lists.lifted
          : done === "repair"
            ? t.reg.lists.repaired
            : null;
    return listsPage(c, { message: text ? ok(text) : null });
  })
  .post("/console/regulate/lists", async (c) => {
    const { actor, active, t, form } = await regulatorForm(c);
    return (async () => {
      const org = await orgByIdOrUscc(c, form.org ?? "", t);
      const input = parsed(CreateListEntryBody, {
        orgId: org.id,
        list: form.list,
        reason: form.listReason,
        legalBasis: form.legalBasis,
        authority: form.authority,
        severity: form.severity,
        listedOn: form.listedOn,
      });
      await attributed(c, actor, "list.add", async (tx) => {
        const { entry } = await createEntry(tx, c.var.deps.clock, active.org, input);
        return { result: entry, target: entry.id };
      });
      await creditChanged(c.var.deps, [org.id]);
      return see(c, "/console/regulate/lists?done=added");
    })().catch(refusedOn((message, status) => listsPage(c, { values: form, message, status }), t));
  })
  .post("/console/regulate/lists/:id/removal", async (c) => {
    const { actor, active, t, form } = await regulatorForm(c);
    const id = c.req.param("id");
    return (async () => {
      const input = parsed(RemovalBody, { reason: form.reason });
      const { org } = await attributed(c, actor, "list.lift", async (tx) => ({
        result: await removeEntry(tx, c.var.deps.clock, active.org, id, input),
        target: id,
      }));
      await creditChanged(c.var.deps, [org.id]);
      return see(c, "/console/regulate/lists?done=lifted");
    })().catch(refusedOn((message, status) => listsPage(c, { message, status }), t));
  })
  .post("/console/regulate/lists/:id/repair", async (c) => {
    const { actor, active, t, form } = await regulatorForm(c);
    const id = c.req.param("id");
    return (async () => {
      const input = parsed(RepairDecisionBody, { decision: form.decision, reason: form.reason });
      const { org } = await attributed(c, actor, "repair.decide", async (tx) => ({
        result: await decideRepair(tx, c.var.deps.clock, active.org, id, input),
        target: id,
      }));
      await creditChanged(c.var.deps, [org.id]);
      return see(c, "/console/regulate/lists?done=repair");
    })().catch(refusedOn((message, status) => listsPage(c, { message, status }), t));
  });
