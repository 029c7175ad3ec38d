// The regulator's dashboard page: the figures of GET /v1/dashboard drawn on the server as SVG (they
// print and work offline), each bar, tile and row linking to the rows behind it.

import type { z } from "@hono/zod-openapi";
import { Hono } from "hono";
import { childRegions, lookupRegion } from "../../codes/region";
import type { AppEnv } from "../../lib/context";
import { csvCell } from "../../lib/tabular";
import { PROVINCE_CAPITALS } from "../alerts/transit";
import type { Dashboard } from "../dashboard/schemas";
import { dashboardData, scansBehind } from "../dashboard/service";
import { WHOLE_COUNTRY } from "../orgs/jurisdiction";
import type { ConsoleDict } from "./i18n";
import { page } from "./kit";
import { regulator } from "./regulator";

type Data = z.infer<typeof Dashboard>;

const PALETTE = [
  "#0b57d0",
  "#c5221f",
  "#188038",
  "#e37400",
  "#8430ce",
  "#007b83",
  "#b06000",
  "#5f6368",
  "#d01884",
  "#1a73e8",
  "#137333",
];

interface Bar {
  label: string;
  value: number;
  href: string;
}

/** Vertical bars with their values; every bar is a link. */
function Bars({ title, bars, height = 160 }: { title: string; bars: Bar[]; height?: number }) {
  const width = Math.max(320, bars.length * 26);
  const max = Math.max(1, ...bars.map((b) => b.value));
  const step = width / Math.max(1, bars.length);
  return (
    <svg
      class="chart"
      role="img"
      viewBox={`0 0 ${width} ${height + 40}`}
      width="100%"
      xmlns="http://www.w3.org/2000/svg"
    >
      <title>{title}</title>
      {bars.map((b, i) => {
        const h = Math.round((b.value / max) * height);
        return (
          <a href={b.href}>
            <rect x={i * step + 3} y={height - h + 10} width={step - 6} height={h} fill="#0b57d0">
              <title>{`${b.label}: ${b.value}`}</title>
            </rect>
            <text
              x={i * step + step / 2}
              y={height - h + 6}
              font-size="9"
              text-anchor="middle"
              fill="#3c4043"
            >
              {b.value > 0 ? b.value : ""}
            </text>
            <text
              x={i * step + step / 2}
              y={height + 24}
              font-size="9"
              text-anchor="middle"
              fill="#5f6b76"
            >
              {b.label}
            </text>
          </a>
        );
      })}
    </svg>
  );
}

/**
 * Scans by region. The whole country: a bubble per province at its capital (the coordinates the
 * transit rule already has). A province or prefecture: a tile per child region in code order,
 * darker with more scans; the service has region codes, not their outlines.
 */
function RegionMap({
  t,
  data,
  csv,
}: {
  t: ConsoleDict;
  data: Data;
  csv: (region: string) => string;
}) {
  const regions = data.scans.perRegion;
  const max = Math.max(1, ...regions.map((r) => r.scans));
  const w = t.reg.dashboard;
  if (data.jurisdiction.code === WHOLE_COUNTRY) {
    const W = 520;
    const H = 400;
    const x = (lon: number) => ((lon - 73) / (135 - 73)) * W;
    const y = (lat: number) => ((54 - lat) / (54 - 17)) * H;
    return (
      <svg
        class="chart map"
        role="img"
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        xmlns="http://www.w3.org/2000/svg"
      >
        <title>{w.byRegion}</title>
        <rect x="0" y="0" width={W} height={H} fill="#f8fafb" />
        {Object.entries(PROVINCE_CAPITALS).map(([prefix, [lat, lon]]) => {
          const code = `${prefix}0000`;
          const n = regions.find((r) => r.region === code)?.scans ?? 0;
          const name = lookupRegion(code)?.names[0] ?? code;
          return (
            <a href={csv(code)} data-region={code}>
              <circle
                cx={x(lon)}
                cy={y(lat)}
                r={n > 0 ? 4 + 18 * Math.sqrt(n / max) : 2.5}
                fill={n > 0 ? "#0b57d0" : "#c7d2dc"}
                fill-opacity="0.7"
              >
                <title>{`${name}: ${n}`}</title>
              </circle>
              {n > 0 ? (
                <text x={x(lon) + 6} y={y(lat) - 6} font-size="10" fill="#1f2328">
                  {`${name} ${n}`}
                </text>
              ) : null}
            </a>
          );
        })}
      </svg>
    );
  }
  const found = childRegions(data.jurisdiction.code);
  const children = found.length > 0 ? found : [data.jurisdiction.code];
  const cols = 6;
  const size = 86;
  const rows = Math.max(1, Math.ceil(children.length / cols));
  return (
    <svg
      class="chart map"
      role="img"
      viewBox={`0 0 ${cols * size} ${rows * size}`}
      width="100%"
      xmlns="http://www.w3.org/2000/svg"
    >
      <title>{w.byRegion}</title>
      {children.map((code, i) => {
        const n = regions.find((r) => r.region === code)?.scans ?? 0;
        const names = lookupRegion(code)?.names ?? [code];
        const shade = n === 0 ? 0.06 : 0.2 + 0.8 * (n / max);
        return (
          <a href={csv(code)} data-region={code}>
            <rect
              x={(i % cols) * size + 2}
              y={Math.floor(i / cols) * size + 2}
              width={size - 4}
              height={size - 4}
              rx="6"
              fill="#0b57d0"
              fill-opacity={shade}
            >
              <title>{`${names.join(" ")}: ${n}`}</title>
            </rect>
            <text
              x={(i % cols) * size + size / 2}
              y={Math.floor(i / cols) * size + size / 2 - 4}
              font-size="11"
              text-anchor="middle"
              fill={shade > 0.6 ? "#fff" : "#1f2328"}
            >
              {names.at(-1)}
            </text>
            <text
              x={(i % cols) * size + size / 2}
              y={Math.floor(i / cols) * size + size / 2 + 14}
              font-size="12"
              text-anchor="middle"
              fill={shade > 0.6 ? "#fff" : "#1f2328"}
            >
              {n}
            </text>
          </a>
        );
      })}
    </svg>
  );
}

/** Alerts per week, one stacked bar per week, a colour per rule; each segment opens the queue on its rule. */
function AlertWeeks({ t, data }: { t: ConsoleDict; data: Data }) {
  const weeks = [...new Set(data.alerts.perWeek.map((r) => r.week))].sort();
  const kinds = [...new Set(data.alerts.perWeek.map((r) => r.kind))].sort();
  const totals = weeks.map((wk) =>
    data.alerts.perWeek.filter((r) => r.week === wk).reduce((n, r) => n + r.alerts, 0),
  );
  const max = Math.max(1, ...totals);
  const H = 150;
  const step = 60;
  const width = Math.max(320, weeks.length * step + 10);
  const w = t.reg.dashboard;
  if (weeks.length === 0) return <p class="muted">{w.noAlerts}</p>;
  return (
    <>
      <svg
        class="chart"
        role="img"
        viewBox={`0 0 ${width} ${H + 36}`}
        width="100%"
        xmlns="http://www.w3.org/2000/svg"
      >
        <title>{w.alertsByRule}</title>
        {weeks.map((wk, i) => {
          let top = H + 8;
          return (
            <g>
              {kinds.map((k, j) => {
                const n =
                  data.alerts.perWeek.find((r) => r.week === wk && r.kind === k)?.alerts ?? 0;
                if (n === 0) return null;
                const h = (n / max) * H;
                top -= h;
                return (
                  <a href={`/console/regulate/alerts?kind=${k}&status=open`}>
                    <rect
                      x={i * step + 10}
                      y={top}
                      width={step - 18}
                      height={h}
                      fill={PALETTE[j % PALETTE.length]}
                    >
                      <title>{`${wk} ${k}: ${n}`}</title>
                    </rect>
                  </a>
                );
              })}
              <text
                x={i * step + step / 2}
                y={H + 26}
                font-size="9"
                text-anchor="middle"
                fill="#5f6b76"
              >
                {wk.slice(5)}
              </text>
            </g>
          );
        })}
      </svg>
      <p class="legend">
        {kinds.map((k, j) => (
          <a href={`/console/regulate/alerts?kind=${k}&status=open`}>
            <svg
              class="swatch"
              width="10"
              height="10"
              aria-hidden="true"
              xmlns="http://www.w3.org/2000/svg"
            >
              <rect width="10" height="10" rx="2" fill={PALETTE[j % PALETTE.length]} />
            </svg>{" "}
            {k}{" "}
          </a>
        ))}
      </p>
    </>
  );
}

export const dashboardRoutes = new Hono<AppEnv>()
  .get("/console/regulate/dashboard", async (c) => {
    const { active } = await regulator(c);
    const data = await dashboardData(c.var.deps.db, c.var.deps.clock, active.org);
    const csv = (q: string) => `/console/regulate/dashboard/scans.csv?${q}`;
    return page(c, {
      title: (t) => t.reg.dashboard.title,
      nav: "dashboard",
      body: (_csrf, t) => {
        const w = t.reg.dashboard;
        return (
          <>
            <p class="muted" data-testid="jurisdiction">
              {t.reg.jurisdiction(
                `${data.jurisdiction.names.join(" ")} (${data.jurisdiction.code})`,
              )}
            </p>
            <section>
              <h2>
                {w.scansPerDay(data.scans.days)} ·{" "}
                <span data-testid="scan-total">{data.scans.total}</span>
              </h2>
              <Bars
                title={w.scansPerDay(data.scans.days)}
                bars={data.scans.perDay.map((d) => ({
                  label: d.day.slice(8),
                  value: d.scans,
                  href: csv(`day=${d.day}`),
                }))}
              />
              <p class="muted">{w.scanRegionNote}</p>
            </section>
            <section>
              <h2>{w.byRegion}</h2>
              <RegionMap t={t} data={data} csv={(region) => csv(`region=${region}`)} />
            </section>
            <section>
              <h2>{w.alertsByRule}</h2>
              <AlertWeeks t={t} data={data} />
            </section>
            <section>
              <h2>{w.cloned}</h2>
              {data.clonedCodes.length === 0 ? (
                <p class="muted">{w.noCloned}</p>
              ) : (
                <table>
                  <tbody>
                    {data.clonedCodes.map((r) => (
                      <tr data-cloned={r.region}>
                        <td>
                          <a href={`/console/regulate/alerts?kind=cloned_code&region=${r.region}`}>
                            {r.names.join(" ")}
                          </a>
                        </td>
                        <td class="num">{w.clonedCount(r.alerts, r.codes)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
            <section>
              <h2>{w.grades(data.credit.sellers)}</h2>
              <Bars
                title={w.grades(data.credit.sellers)}
                height={100}
                bars={["A", "B", "C", "D", "M"].map((g) => ({
                  label: g === "M" ? w.unrated : g,
                  value: data.credit.byGrade[g] ?? 0,
                  href: `#grade-${g}`,
                }))}
              />
              {data.credit.truncated ? <p class="muted">{w.truncated}</p> : null}
              <details>
                <summary>{w.sellers}</summary>
                <table>
                  <tbody>
                    {["A", "B", "C", "D", "M"].flatMap((g) =>
                      data.credit.list
                        .filter((s) => s.grade === g)
                        .map((s, i) => (
                          <tr id={i === 0 ? `grade-${g}` : undefined} data-grade={g}>
                            <td>{g === "M" ? w.unrated : g}</td>
                            <td>
                              <a href={`/console/regulate/orgs/${s.id}`}>{s.nameZh}</a>
                            </td>
                            <td>{lookupRegion(s.region)?.names.join(" ") ?? s.region}</td>
                            <td class="num">{s.score ?? ""}</td>
                          </tr>
                        )),
                    )}
                  </tbody>
                </table>
              </details>
            </section>
            <section>
              <h2>{w.recalls}</h2>
              {data.recalls.length === 0 ? (
                <p class="muted">{w.noRecalls}</p>
              ) : (
                <table>
                  <tbody>
                    {data.recalls.map((r) => (
                      <tr data-recall={r.id}>
                        <td>
                          <a href={`/console/recalls/${r.id}`}>{r.product}</a> · {r.level}
                        </td>
                        <td class="num">{w.removedOf(r.removed, r.units)}</td>
                        <td class="num">{w.stillOnMarket(r.stillOnMarket)}</td>
                        <td class="num">{w.scannedSince(r.scannedSince)}</td>
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
  })
  .get("/console/regulate/dashboard/scans.csv", async (c) => {
    const { active } = await regulator(c);
    const day = /^\d{4}-\d{2}-\d{2}$/.test(c.req.query("day") ?? "")
      ? c.req.query("day")
      : undefined;
    const region = /^\d{6}$/.test(c.req.query("region") ?? "") ? c.req.query("region") : undefined;
    const rows = await scansBehind(c.var.deps.db, active.org, { day, region, limit: 10_000 });
    const lines = [
      "scanned_at,gtin,serial,state_when_scanned,region,seller",
      ...rows.map((r) =>
        [
          csvCell(new Date(r.at).toISOString()),
          csvCell(r.gtin),
          csvCell(r.serial, true),
          csvCell(r.item_state),
          csvCell(r.region),
          csvCell(r.seller, true),
        ].join(","),
      ),
    ];
    return c.body(`\uFEFF${lines.join("\r\n")}\r\n`, 200, {
      "Content-Type": "text/csv; charset=utf-8; header=present",
      "Content-Disposition": `attachment; filename="scans${day ? `-${day}` : ""}${region ? `-${region}` : ""}.csv"`,
    });
  });
