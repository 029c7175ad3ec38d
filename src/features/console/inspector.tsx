// The inspector's desk and the trace explorer. An inspector uploads a lot's report (a failed one
// stops its sales at once); anyone who follows goods (inspectors, regulators, brand owners)
// types or scans a code and sees its chain as a flow and a table, every event checked against
// the signed checkpoint, with the same three exports as GET /v1/trace; the brand owner or a
// regulator starts a recall from there and follows it.

import type { Context } from "hono";
import { Hono } from "hono";
import { parseCode } from "../../codes";
import { publicBaseUrl } from "../../config";
import type { Org } from "../../db/schema";
import { verifyCheckpoint } from "../../ledger/checkpoint";
import { hexToBytes } from "../../ledger/hex";
import { leafHashOf } from "../../ledger/log";
import { verifyInclusion } from "../../ledger/merkle";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { checkPdf } from "../inspections/pdf";
import { ReportFields } from "../inspections/schemas";
import { assertAccredited, chinaDate, recordInspection } from "../inspections/service";
import { getInspection, listInspections } from "../inspections/views";
import { createRecall, getRecallRow } from "../recalls/service";
import { effectiveness, recallViews } from "../recalls/views";
import { assertLotReader, parseTarget, readTrace, traceResponse } from "../trace/routes";
import type { TraceEventView } from "../trace/schemas";
import type { ConsoleDict } from "./i18n";
import { attributed, deskForm, deskSession, Field, page, refusedOn, see, when } from "./kit";
import { Csrf, type Message } from "./layout";
import { recallBody } from "./producer";

type Values = Record<string, string>;
type Trace = Awaited<ReturnType<typeof readTrace>>;

/** Who follows goods through the explorer. */
const TRACERS = ["inspector", "regulator", "producer"] as const;

const inspector = (c: Context<AppEnv>) => deskSession(c, ["inspector"]);
const tracer = (c: Context<AppEnv>) => deskSession(c, [...TRACERS]);

// ---------------------------------------------------------------- reports

/** "项目, 结果, 限量, 单位, 判定" per line; the verdict in either language. */
function testItemsOf(text: string, t: ConsoleDict) {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  return lines.map((line, i) => {
    const [name, value, limit, unit, verdict] = line.split(/\s*[,，\t]\s*/);
    const v = (verdict ?? "").toLowerCase();
    const mapped = ["合格", "pass", "ok"].includes(v)
      ? "pass"
      : ["不合格", "fail"].includes(v)
        ? "fail"
        : null;
    if (!name || !value || mapped === null) {
      throw new AppError("validation_failed", t.insp.reports.badItem(i + 1), {
        errors: [{ path: `form.testItems.${i}`, message: t.insp.reports.badItem(i + 1) }],
      });
    }
    return { name, value, limit: limit || undefined, unit: unit || undefined, verdict: mapped };
  });
}

async function reportsPage(
  c: Context<AppEnv>,
  extra: { values?: Values; message?: Message | null; status?: number } = {},
) {
  const { active } = await inspector(c);
  const list = await listInspections(
    c.var.deps.db,
    { inspector: active.org.id, limit: 100 },
    publicBaseUrl(c.var.deps.config),
  );
  const values: Values = {
    issueDate: chinaDate(c.var.deps.clock.now()),
    ...extra.values,
  };
  return page(c, {
    title: (t) => t.insp.reports.title,
    nav: "inspections",
    message: extra.message ?? null,
    status: extra.status ?? 200,
    body: (csrf, t) => {
      const w = t.insp.reports;
      return (
        <>
          <p class="muted">{w.intro}</p>
          <section>
            <form method="post" action="/console/inspections" enctype="multipart/form-data">
              <Csrf token={csrf} />
              <Field name="lot" label={w.lot} values={values} required maxlength={512} />
              <div class="grid">
                <div>
                  <Field
                    name="reportNumber"
                    label={w.reportNumber}
                    values={values}
                    required
                    maxlength={64}
                  />
                </div>
                <div>
                  <label for="conclusion">{w.conclusion}</label>
                  <select id="conclusion" name="conclusion">
                    <option value="pass" selected={values.conclusion !== "fail"}>
                      {w.pass}
                    </option>
                    <option value="fail" selected={values.conclusion === "fail"}>
                      {w.fail}
                    </option>
                  </select>
                </div>
                <div>
                  <Field
                    name="issueDate"
                    label={w.issueDate}
                    values={values}
                    type="date"
                    required
                  />
                </div>
                <div>
                  <Field name="samplingDate" label={w.samplingDate} values={values} type="date" />
                </div>
              </div>
              <label for="standards">{w.standards}</label>
              <textarea id="standards" name="standards" rows={2} required>
                {values.standards ?? ""}
              </textarea>
              <label for="testItems">{w.testItems}</label>
              <textarea id="testItems" name="testItems" rows={4} required>
                {values.testItems ?? ""}
              </textarea>
              <label for="pdf">{w.pdf}</label>
              <input id="pdf" name="pdf" type="file" accept="application/pdf,.pdf" required />
              <button type="submit">{w.submit}</button>
            </form>
          </section>
          <section class="scroll">
            <h2>{w.tested}</h2>
            {list.items.length === 0 ? (
              <p class="muted">{w.none}</p>
            ) : (
              <table>
                <tbody>
                  {list.items.map((i) => (
                    <tr data-inspection={i.id}>
                      <td>{i.issueDate}</td>
                      <td>
                        {i.product.nameZh} <code>{i.lot.key}</code>
                      </td>
                      <td>{i.reportNumber}</td>
                      <td>
                        <span class={`badge ${i.conclusion === "pass" ? "pass" : "fail"}`}>
                          {i.conclusion === "pass" ? w.pass : w.fail}
                        </span>
                      </td>
                      <td>
                        <a href={i.report.url}>PDF</a> ·{" "}
                        <a href={`/console/trace?code=${encodeURIComponent(i.lot.key)}`}>
                          {w.explore}
                        </a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      );
    },
  });
}

// ---------------------------------------------------------------- the explorer

/** Each event's inclusion proof checked here against the signed checkpoint, as an auditor would. */
async function verification(c: Context<AppEnv>, trace: Trace) {
  const cp = trace.checkpoint;
  const byEvent = new Map<number, "ok" | "pending" | "bad">();
  if (!cp) {
    for (const e of trace.events) byEvent.set(e.id, "pending");
    return { signature: null as boolean | null, byEvent };
  }
  const signature = await verifyCheckpoint(cp, c.var.deps.secrets.signingKey.publicKey);
  const root = hexToBytes(cp.rootHash);
  for (const e of trace.events) {
    if (!e.inclusion) {
      byEvent.set(e.id, "pending");
      continue;
    }
    const leaf = await leafHashOf({
      hashId: e.hashId,
      eventId: e.eventId,
      recordTime: new Date(e.recordTime),
      actorOrgId: e.actor?.id ?? null,
      kind: e.kind,
    });
    const ok =
      leaf === e.inclusion.leafHash &&
      (await verifyInclusion(
        e.inclusion.leafIndex,
        cp.treeSize,
        hexToBytes(leaf),
        e.inclusion.proof.map(hexToBytes),
        root,
      ));
    byEvent.set(e.id, ok ? "ok" : "bad");
  }
  return { signature, byEvent };
}

interface FlowNode {
  id: string;
  label: string;
  note?: string;
}

/**
 * A left-to-right flow drawn on the server: nodes in the order given, an arrow per edge (curved
 * over the nodes between when they are not neighbours), so it prints and works without scripts.
 */
function Flow({
  title,
  nodes,
  edges,
}: {
  title: string;
  nodes: FlowNode[];
  edges: { from: string; to: string; label: string }[];
}) {
  const W = 150;
  const H = 46;
  const GAP = 44;
  const x = (i: number) => 10 + i * (W + GAP);
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const width = Math.max(1, nodes.length) * (W + GAP);
  const top = 40;
  return (
    <svg
      class="flow"
      role="img"
      viewBox={`0 0 ${width} ${top + H + 20}`}
      width={width}
      height={top + H + 20}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title>{title}</title>
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" fill="#0b57d0" />
        </marker>
      </defs>
      {edges.map((e) => {
        const a = index.get(e.from);
        const b = index.get(e.to);
        if (a === undefined || b === undefined || a === b) return null;
        const [x1, x2] = a < b ? [x(a) + W, x(b)] : [x(a), x(b) + W];
        const y = top + H / 2;
        const near = Math.abs(a - b) === 1;
        const path = near
          ? `M${x1},${y} L${x2},${y}`
          : `M${x1 - W / 2},${top} Q${(x1 + x2) / 2},${top - 36} ${x2 + (a < b ? W / 2 : -W / 2)},${top}`;
        return (
          <g>
            <path
              d={path}
              fill="none"
              stroke="#0b57d0"
              stroke-width="1.5"
              marker-end="url(#arrow)"
            />
            <text
              x={(x1 + x2) / 2}
              y={near ? y - 6 : top - 22}
              font-size="11"
              text-anchor="middle"
              fill="#3c4043"
            >
              {e.label}
            </text>
          </g>
        );
      })}
      {nodes.map((n, i) => (
        <g data-node={n.id}>
          <rect x={x(i)} y={top} width={W} height={H} rx="6" fill="#fff" stroke="#9aa4ad" />
          <text x={x(i) + W / 2} y={top + 19} font-size="12" text-anchor="middle" fill="#1f2328">
            {n.label.length > 12 ? `${n.label.slice(0, 11)}…` : n.label}
          </text>
          {n.note ? (
            <text x={x(i) + W / 2} y={top + 36} font-size="11" text-anchor="middle" fill="#5f6b76">
              {n.note}
            </text>
          ) : null}
        </g>
      ))}
    </svg>
  );
}

const CONSUMER = "consumer";

function partyName(trace: Trace, id: string | null, t: ConsoleDict): string {
  if (id === null) return t.insp.trace.nobody;
  if (id === CONSUMER) return t.insp.trace.consumer;
  return trace.parties.find((p) => p.id === id)?.nameZh ?? id;
}

/** An item's chain: every party in the order it first took part, an arrow per hand-over that counts. */
function itemFlow(trace: Trace, t: ConsoleDict) {
  const order: string[] = [];
  const edges: { from: string; to: string; label: string }[] = [];
  for (const e of trace.events) {
    if (e.correction || e.declares !== null) continue;
    for (const id of [e.from, e.to]) if (id && !order.includes(id)) order.push(id);
    if (e.from && e.to)
      edges.push({ from: e.from, to: e.to, label: t.insp.kinds[e.kind] ?? e.kind });
  }
  return {
    nodes: order.map((id) => ({ id, label: partyName(trace, id, t) })),
    edges,
  };
}

/** A lot's flow: the lot, then its holders with how many units each holds and in what state. */
function lotFlow(trace: Extract<Trace, { direction: "forward" }>, t: ConsoleDict) {
  const holders = new Map<string, number>();
  for (const g of trace.units.byCustodian) {
    const id = g.custodian ?? (g.state === "delivered" ? CONSUMER : "none");
    holders.set(id, (holders.get(id) ?? 0) + g.units);
  }
  const nodes: FlowNode[] = [{ id: "lot", label: trace.lot.lot, note: `${trace.units.total}` }];
  for (const [id, n] of [...holders].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
    nodes.push({
      id,
      label: id === "none" ? t.insp.trace.nobody : partyName(trace, id, t),
      note: `${n}`,
    });
  }
  return {
    nodes,
    edges: nodes.slice(1).map((n) => ({ from: "lot", to: n.id, label: n.note ?? "" })),
  };
}

function EventTable({
  t,
  trace,
  checked,
}: {
  t: ConsoleDict;
  trace: Trace;
  checked: Map<number, "ok" | "pending" | "bad">;
}) {
  const w = t.insp.trace;
  const proof = (e: TraceEventView) => {
    const state = checked.get(e.id);
    if (state === "ok") return <span class="badge pass">{w.verified(e.inclusion!.leafIndex)}</span>;
    if (state === "bad") return <span class="badge fail">{w.mismatch}</span>;
    return <span class="muted">{w.notYet}</span>;
  };
  return (
    <table>
      <thead>
        <tr>
          <th>{w.at}</th>
          <th>{w.kind}</th>
          <th>{w.actor}</th>
          <th>{w.fromTo}</th>
          <th>{w.proof}</th>
        </tr>
      </thead>
      <tbody>
        {trace.events.map((e) => (
          <tr data-event={e.id} data-verified={checked.get(e.id)}>
            <td>
              {e.correction ? <s>{when(new Date(e.eventTime))}</s> : when(new Date(e.eventTime))}
            </td>
            <td>
              {t.insp.kinds[e.kind] ?? e.kind}
              {e.quantity !== null && e.quantity > 1 ? ` ×${e.quantity}` : ""}
              {e.correction ? <span class="badge">{w.corrected}</span> : null}
            </td>
            <td>
              {e.actor ? (
                <>
                  {e.actor.nameZh} {e.actor.verified ? <span class="badge pass">✓</span> : null}
                </>
              ) : (
                w.consumer
              )}
            </td>
            <td>
              {e.from || e.to
                ? `${partyName(trace, e.from, t)} → ${partyName(trace, e.to, t)}`
                : ""}
            </td>
            <td>{proof(e)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const UNITS_PER_PAGE = 100;

function traceBody(
  t: ConsoleDict,
  csrf: string,
  trace: Trace,
  v: Awaited<ReturnType<typeof verification>>,
  extra: { asOf: string; unitsPage: number; mayRecall: boolean },
) {
  const w = t.insp.trace;
  const q = `code=${encodeURIComponent(trace.key)}${extra.asOf ? `&asOf=${encodeURIComponent(extra.asOf)}` : ""}`;
  const flow =
    trace.direction === "backward"
      ? itemFlow(trace, t)
      : trace.direction === "forward"
        ? lotFlow(trace, t)
        : null;
  const lotKey =
    trace.direction === "backward" || trace.direction === "forward" ? trace.lot.key : null;
  return (
    <>
      <section>
        <h2>
          {trace.direction === "backward"
            ? w.item
            : trace.direction === "forward"
              ? w.lot
              : w.product}{" "}
          <code data-testid="trace-key">{trace.key}</code>
        </h2>
        <p>
          {trace.product.nameZh}
          {trace.direction === "backward" ? (
            <>
              {" · "}
              {w.state}:{" "}
              <b data-testid="trace-state">
                {trace.item.state ? t.desk.states[trace.item.state] : "—"}
              </b>
              {" · "}
              {w.custodian}: {partyName(trace, trace.item.custodian, t)}
              {" · "}
              {w.seller}: {partyName(trace, trace.item.seller, t)}
              {trace.item.recalled ? <span class="badge fail">{w.recalled}</span> : null}
            </>
          ) : null}
          {lotKey && (trace.direction === "backward" || trace.direction === "forward") ? (
            trace.lot.nonConforming ? (
              <span class="badge fail">{w.nonConforming}</span>
            ) : null
          ) : null}
        </p>
        <p class="muted" data-testid="checkpoint">
          {trace.checkpoint ? (
            <>
              {w.checkpoint}: {w.treeSize(trace.checkpoint.treeSize)} ·{" "}
              <code>{trace.checkpoint.rootHash.slice(0, 16)}…</code> · {trace.checkpoint.timestamp}{" "}
              · {v.signature ? w.signatureOk : w.signatureBad}
            </>
          ) : (
            w.noCheckpoint
          )}
        </p>
        <p>
          {w.export}: <a href={`/console/trace/export?${q}&format=csv`}>{w.csv}</a> ·{" "}
          <a href={`/console/trace/export?${q}&format=epcis`}>{w.epcis}</a> ·{" "}
          <a href={`/console/trace/export?${q}&format=json`}>{w.json}</a>
        </p>
      </section>
      {flow && flow.nodes.length > 0 ? (
        <section class="scroll">
          <h2>{w.graph}</h2>
          <Flow title={`${w.graph} ${trace.key}`} nodes={flow.nodes} edges={flow.edges} />
        </section>
      ) : null}
      {trace.direction === "forward" ? (
        <LotUnits t={t} trace={trace} q={q} page={extra.unitsPage} />
      ) : null}
      {trace.direction === "product" ? (
        <section class="scroll">
          <h2>{w.lots}</h2>
          <table>
            <tbody>
              {trace.lots.map((l) => (
                <tr>
                  <td>
                    <a href={`/console/trace?code=${encodeURIComponent(l.key)}`}>{l.lot}</a>
                  </td>
                  <td class="num">{l.units}</td>
                  <td>
                    {l.nonConforming ? <span class="badge fail">{w.nonConforming}</span> : null}
                  </td>
                  <td>{l.recalled ? <span class="badge fail">{w.recalled}</span> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <section class="scroll">
        <h2>{w.events}</h2>
        <EventTable t={t} trace={trace} checked={v.byEvent} />
      </section>
      {trace.recalls.length > 0 ? (
        <section>
          <h2>{w.recalls}</h2>
          <ul>
            {trace.recalls.map((r) => (
              <li>
                <a href={`/console/recalls/${r.id}`}>{r.id}</a> · {r.level} · {r.status} ·{" "}
                {r.reason}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {lotKey ? (
        <section>
          <h2>{w.recall}</h2>
          {extra.mayRecall ? (
            <form method="post" action="/console/trace/recall">
              <Csrf token={csrf} />
              <input type="hidden" name="code" value={lotKey} />
              <label for="level">{w.level}</label>
              <select id="level" name="level">
                <option value="I">I</option>
                <option value="II" selected>
                  II
                </option>
                <option value="III">III</option>
              </select>
              <Field name="reason" label={w.reason} required maxlength={2000} />
              <Field name="instructions" label={w.instructions} required maxlength={2000} />
              <Field name="contacts" label={w.contacts} required maxlength={500} />
              <button type="submit">{w.recallSubmit}</button>
            </form>
          ) : (
            <p class="muted">{w.recallNote}</p>
          )}
        </section>
      ) : null}
    </>
  );
}

function LotUnits({
  t,
  trace,
  q,
  page: n,
}: {
  t: ConsoleDict;
  trace: Extract<Trace, { direction: "forward" }>;
  q: string;
  page: number;
}) {
  const w = t.insp.trace;
  const list = trace.units.list;
  const from = n * UNITS_PER_PAGE;
  const shown = list.slice(from, from + UNITS_PER_PAGE);
  return (
    <>
      <section class="grid">
        <div>
          <h2>{w.byState}</h2>
          <table>
            <tbody>
              {Object.entries(trace.units.byState).map(([state, units]) => (
                <tr data-state={state}>
                  <td>{t.desk.states[state as keyof typeof t.desk.states] ?? state}</td>
                  <td class="num">{units}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h2>{w.byHolder}</h2>
          <table>
            <tbody>
              {trace.units.byCustodian.map((g) => (
                <tr>
                  <td>{partyName(trace, g.custodian, t)}</td>
                  <td>{t.desk.states[g.state as keyof typeof t.desk.states] ?? g.state}</td>
                  <td class="num">{g.units}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section class="scroll">
        <h2>{w.units}</h2>
        <p class="muted" data-testid="units-page">
          {w.unitsPage(list.length === 0 ? 0 : from + 1, from + shown.length, list.length)}
        </p>
        <table>
          <tbody>
            {shown.map((u) => (
              <tr data-unit={u.serial}>
                <td>
                  <a href={`/console/trace?code=${encodeURIComponent(u.key)}`}>
                    <code>{u.serial}</code>
                  </a>
                </td>
                <td>{u.state ? t.desk.states[u.state] : "—"}</td>
                <td>{partyName(trace, u.custodian, t)}</td>
                <td>{u.destinationRegion ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          {n > 0 ? <a href={`/console/trace?${q}&page=${n - 1}`}>{w.previous}</a> : null}{" "}
          {from + UNITS_PER_PAGE < list.length ? (
            <a href={`/console/trace?${q}&page=${n + 1}`}>{w.next}</a>
          ) : null}
        </p>
      </section>
    </>
  );
}

/** The code typed or scanned, as a trace target; a code of no product, lot or item is named. */
function targetOf(code: string) {
  const parsed = parseCode(code.trim(), { gbt33993: false });
  if (!parsed.ok) {
    throw new AppError("invalid_code", parsed.error.message, {
      errors: [{ path: "query.code", message: parsed.error.message }],
    });
  }
  if (parsed.value.kind !== "gs1") {
    throw new AppError("invalid_code", `${code} is not a GS1 code of a product, lot or item`, {
      errors: [{ path: "query.code", message: "not a GS1 product, lot or item code" }],
    });
  }
  return parseTarget(String(parsed.value.key).slice(1));
}

/** `asOf` as typed in a datetime field (China time), or an ISO time from a link. */
function asOfOf(raw: string | undefined): Date | null {
  const text = (raw ?? "").trim();
  if (text === "") return null;
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text)
    ? new Date(`${text}+08:00`)
    : new Date(text);
  if (Number.isNaN(at.getTime())) {
    throw new AppError("validation_failed", `query.asOf: ${text} is not a time`, {
      errors: [{ path: "query.asOf", message: "not a time" }],
    });
  }
  return at;
}

/** The brand owner or a regulator starts a recall (POST /v1/recalls); the form shows for them. */
const mayRecall = (org: Org, trace: Trace): boolean =>
  org.roles.includes("regulator") ||
  (org.roles.includes("producer") && trace.product.owner === org.id);

async function readFor(c: Context<AppEnv>, org: Org) {
  const code = c.req.query("code") ?? "";
  const target = targetOf(code);
  if (target.level === "lot") await assertLotReader(c, org, target.gtin, target.key);
  const asOf = asOfOf(c.req.query("asOf"));
  return { trace: await readTrace(c, target, asOf), asOf: c.req.query("asOf") ?? "" };
}

async function explorerPage(c: Context<AppEnv>, message: Message | null = null, status = 200) {
  const { active, t } = await tracer(c);
  const code = c.req.query("code");
  const unitsPage = Math.max(0, Math.min(10_000, Number(c.req.query("page") ?? "0") | 0));
  let found: { trace: Trace; v: Awaited<ReturnType<typeof verification>>; may: boolean } | null =
    null;
  let problem: Message | null = message;
  let answer = status;
  if (code) {
    try {
      const { trace } = await readFor(c, active.org);
      found = { trace, v: await verification(c, trace), may: mayRecall(active.org, trace) };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      problem = { kind: "err", text: `${t.invalid}${error.detail}` };
      answer = error.status;
    }
  }
  const values = { traceCode: code ?? "", asOf: c.req.query("asOf") ?? "" };
  return page(c, {
    title: (tt) => tt.insp.trace.title,
    nav: "trace",
    message: problem,
    status: answer,
    body: (csrf, tt) => {
      const w = tt.insp.trace;
      return (
        <>
          <p class="muted">{w.intro}</p>
          <form method="get" action="/console/trace" class="grid">
            <div>
              <label for="traceCode">{w.code}</label>
              <input
                id="traceCode"
                name="code"
                value={values.traceCode}
                required
                autofocus
                autocomplete="off"
              />
            </div>
            <div>
              <label for="asOf">{w.asOf}</label>
              <input id="asOf" name="asOf" type="datetime-local" value={values.asOf} />
            </div>
            <div>
              <button type="submit">{w.submit}</button>
            </div>
          </form>
          {found
            ? traceBody(tt, csrf, found.trace, found.v, {
                asOf: values.asOf,
                unitsPage,
                mayRecall: found.may,
              })
            : null}
        </>
      );
    },
  });
}

async function recallPage(c: Context<AppEnv>, id: string, message: Message | null) {
  await tracer(c);
  const db = c.var.deps.db;
  const row = await getRecallRow(db, id);
  const [view] = await recallViews(db, [row], publicBaseUrl(c.var.deps.config));
  // Holders are shown: every desk that reaches this page may see them (GET /v1/recalls/{id}).
  const result = await effectiveness(db, row, true);
  return page(c, {
    title: (t) => t.insp.recall.title,
    nav: "trace",
    message,
    body: (_csrf, t) => {
      const w = t.insp.recall;
      return (
        <>
          <p>
            <b>{view!.product.nameZh}</b> · {view!.level} · {view!.status} · {view!.reason}
          </p>
          <p class="muted">
            {view!.lots.map((l) => l.key).join(" ")} · {view!.initiatedBy.nameZh} ·{" "}
            {when(new Date(view!.createdAt))}
          </p>
          <dl>
            <dt>{w.total}</dt>
            <dd data-testid="recall-total">{result.total}</dd>
            <dt>{w.removed}</dt>
            <dd data-testid="recall-removed">{result.removedFromMarket}</dd>
            <dt>{w.still}</dt>
            <dd data-testid="recall-still">{result.stillWithConsumersOrInMarket}</dd>
          </dl>
          <p data-testid="recall-scanned">
            {w.scanned(result.scannedSinceRecall.scans, result.scannedSinceRecall.units)}
          </p>
          <table>
            <tbody>
              {Object.entries(result.byCategory).map(([k, n]) => (
                <tr data-category={k}>
                  <td>{w.categories[k] ?? k}</td>
                  <td class="num">{n}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {result.holders && result.holders.length > 0 ? (
            <>
              <h2>{w.holders}</h2>
              <table>
                <tbody>
                  {result.holders.map((h) => (
                    <tr>
                      <td>{w.categories[h.category] ?? h.category}</td>
                      <td>{h.custodian?.nameZh ?? t.insp.trace.consumer}</td>
                      <td>{h.seller?.nameZh ?? ""}</td>
                      <td class="num">{h.units}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
        </>
      );
    },
  });
}

export const inspectorRoutes = new Hono<AppEnv>()
  .get("/console/inspections", (c) => reportsPage(c))
  .post("/console/inspections", async (c) => {
    const { actor, active, t, form, files } = await deskForm(c, ["inspector"]);
    return (async () => {
      const { db, clock, config } = c.var.deps;
      assertAccredited(active.org, chinaDate(clock.now()));
      const parsedReport = ReportFields.safeParse({
        lot: form.lot,
        reportNumber: form.reportNumber,
        standards: (form.standards ?? "")
          .split(/\r?\n/)
          .map((s) => s.trim())
          .filter((s) => s !== ""),
        testItems: testItemsOf(form.testItems ?? "", t),
        samplingDate: form.samplingDate || undefined,
        issueDate: form.issueDate,
        conclusion: form.conclusion,
      });
      if (!parsedReport.success) {
        const issue = parsedReport.error.issues[0]!;
        const path = `form.${issue.path.join(".")}`;
        throw new AppError("validation_failed", `${path}: ${issue.message}`, {
          errors: [{ path, message: issue.message }],
        });
      }
      const file = files.pdf;
      if (!file) {
        throw new AppError("validation_failed", "form.pdf: attach the report PDF", {
          errors: [{ path: "form.pdf", message: "attach the report PDF" }],
        });
      }
      const pdf = await checkPdf(file, config.UPLOAD_LIMIT_BYTES);
      const baseUrl = publicBaseUrl(config);
      const id = await attributed(c, actor, "inspection.upload", async (tx) => {
        const recorded = await recordInspection(
          tx,
          { clock, baseUrl, caller: active.org },
          parsedReport.data,
          pdf,
        );
        return { result: recorded, target: recorded };
      });
      const view = await getInspection(db, id, baseUrl);
      const w = t.insp.reports;
      return reportsPage(c, {
        status: 201,
        message: {
          kind: view.conclusion === "fail" ? "err" : "ok",
          text: view.conclusion === "fail" ? w.failed(view.lot.key) : w.recorded(view.lot.key),
        },
      });
    })().catch(
      refusedOn((message, status) => reportsPage(c, { values: form, message, status }), t),
    );
  })
  .get("/console/trace", (c) => explorerPage(c))
  .get("/console/trace/export", async (c) => {
    const { active } = await tracer(c);
    const format = c.req.query("format");
    const { trace } = await readFor(c, active.org);
    return traceResponse(c, trace, format === "csv" || format === "epcis" ? format : "json", true);
  })
  .post("/console/trace/recall", async (c) => {
    const { actor, active, t, form } = await deskForm(c, ["producer", "regulator"]);
    return (async () => {
      const target = targetOf(form.code ?? "");
      if (target.level === "product") {
        throw new AppError("validation_failed", "form.code: name the lot to recall", {
          errors: [{ path: "form.code", message: "a lot" }],
        });
      }
      const lot = target.level === "lot" ? target.lot : undefined;
      const body = recallBody(target.gtin, { ...form, ...(lot ? { lot } : {}) });
      const id = await attributed(c, actor, "recall.start", async (tx) => {
        const started = await createRecall(
          tx,
          { clock: c.var.deps.clock, caller: active.org },
          body,
        );
        return { result: started, target: started };
      });
      return see(c, `/console/recalls/${id}?done=1`);
    })().catch(refusedOn((message, status) => explorerPage(c, message, status), t));
  })
  .get("/console/recalls/:id", async (c) => {
    const { t } = await tracer(c);
    return recallPage(
      c,
      c.req.param("id"),
      c.req.query("done") ? { kind: "ok", text: t.insp.recall.started } : null,
    );
  });
