// Bulk uploads of the desks (a day's orders, a depot's waybills): rows of a CSV or Excel file become
// lifecycle events, checked row by row by the very service that records one event, and written in
// one transaction or not at all. A preview is the same run rolled back, so what it promises holds.
import type { Context } from "hono";
import type { z } from "zod";
import type { Db } from "../../db/types";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { readTable, type TableRow } from "../../lib/tabular";
import { lifecycleContext, lifecycleWriter } from "../events/routes";
import type { LifecycleBody, LifecycleInput } from "../events/schemas";
import {
  alertOnLifecycleRefusal,
  type LifecycleContext,
  type Recorded,
  recordLifecycleIn,
} from "../events/service";
import type { MemberActor } from "../members/policy";
import type { ConsoleDict } from "./i18n";
import { activityOf, page } from "./kit";
import { Csrf, type Nav } from "./layout";
import { loadConsole } from "./session";

/** The most rows one file may carry (a busy shop's day, a depot's shift). */
export const MAX_BULK_ROWS = 20_000;
/** Problems shown on a page; the rest are counted. */
export const PROBLEMS_SHOWN = 200;

export interface Problem {
  line: number;
  message: string;
}

/** Rows that make one event, with the lines of the file they came from. */
export interface Group {
  lines: number[];
  input: LifecycleInput;
}

/** A column found under any of its names (English or Chinese, any case). */
export function column(row: TableRow, names: readonly string[]): string {
  for (const [header, value] of Object.entries(row.cells)) {
    if (names.includes(header.toLowerCase())) return value;
  }
  return "";
}

export function missingColumns(columns: string[], wanted: Record<string, readonly string[]>) {
  const have = new Set(columns.map((c) => c.toLowerCase()));
  return Object.entries(wanted)
    .filter(([, names]) => !names.some((n) => have.has(n)))
    .map(([name]) => name);
}

/** A group's body checked by the API's schema; its problems are its lines'. */
export function checkedGroup(
  schema: typeof LifecycleBody,
  lines: number[],
  body: unknown,
  problems: Problem[],
): Group | null {
  const result = schema.safeParse(body);
  if (result.success) return { lines, input: result.data };
  const message = result.error.issues
    .map((i: z.core.$ZodIssue) => `${i.path.join(".")}: ${i.message}`)
    .join("; ");
  for (const line of lines) problems.push({ line, message });
  return null;
}

class PreviewOnly extends Error {}

export interface BulkOutcome {
  problems: Problem[];
  recorded: Recorded[];
  committed: boolean;
}

/**
 * Records every group in one transaction and goes on after a refusal, so every bad row is named.
 * Commits only when asked and nothing was refused; `also` then runs in the same transaction (the
 * member's activity row).
 *
 * No savepoint per group: PostgreSQL gives each savepoint that writes a subtransaction id, and
 * past 64 of them in one transaction every later statement slows down (the subtransaction cache
 * overflows). Measured: 10,000 rows took over 300 s on PostgreSQL that way. None is needed either:
 * the lifecycle rules refuse (AppError) before their event writes anything, so a refused group
 * leaves the transaction as it found it. Any other error ends the whole upload.
 */
export async function runBulk(
  db: Db,
  ctx: LifecycleContext,
  groups: Group[],
  options: { commit: boolean; also?: (tx: Db, recorded: Recorded[]) => Promise<void> },
  problems: Problem[] = [],
): Promise<BulkOutcome> {
  const recorded: Recorded[] = [];
  const found = [...problems];
  const refused: { input: LifecycleInput; error: AppError }[] = [];
  try {
    await db.transaction(async (tx) => {
      for (const group of groups) {
        try {
          recorded.push(await recordLifecycleIn(tx, ctx, group.input));
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          refused.push({ input: group.input, error });
          for (const line of group.lines) found.push({ line, message: error.detail });
        }
      }
      if (found.length > 0 || !options.commit) throw new PreviewOnly();
      await options.also?.(tx, recorded);
    });
  } catch (error) {
    if (!(error instanceof PreviewOnly)) throw error;
    // A commit is an attempt, as a request to the API is; a preview is only a check.
    if (options.commit) {
      for (const r of refused) await alertOnLifecycleRefusal(db, ctx, r.input, r.error);
    }
    found.sort((a, b) => a.line - b.line);
    return { problems: found, recorded: [], committed: false };
  }
  return { problems: [], recorded, committed: true };
}

/** The preview of an upload: its problems, or the button that commits exactly these rows. */
export function Preview({
  t,
  csrf,
  action,
  rows,
  total,
  problems,
  back,
}: {
  t: ConsoleDict;
  csrf: string;
  action: string;
  rows: string;
  total: number;
  problems: Problem[];
  back: string;
}) {
  const w = t.desk.bulk;
  if (problems.length === 0) {
    return (
      <section>
        <p class="ok" role="status">
          {w.ok(total)}
        </p>
        <form method="post" action={action}>
          <Csrf token={csrf} />
          <input type="hidden" name="rows" value={rows} />
          <input type="hidden" name="commit" value="yes" />
          <button type="submit">{w.commit}</button>
        </form>
        <p>
          <a href={back}>{w.again}</a>
        </p>
      </section>
    );
  }
  const lines = new Set(problems.map((p) => p.line));
  return (
    <section class="scroll">
      <p class="err" role="alert" data-testid="bulk-refused">
        {w.bad(lines.size, total)}
      </p>
      <table>
        <thead>
          <tr>
            <th class="num">{w.line}</th>
            <th>{w.problem}</th>
          </tr>
        </thead>
        <tbody>
          {problems.slice(0, PROBLEMS_SHOWN).map((p) => (
            <tr data-line={p.line}>
              <td class="num">{p.line}</td>
              <td>{p.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {problems.length > PROBLEMS_SHOWN ? (
        <p class="muted">{w.shownFirst(PROBLEMS_SHOWN)}</p>
      ) : null}
      <p>
        <a href={back}>{w.again}</a>
      </p>
    </section>
  );
}

/** A row as it travels from the file through the preview to the commit: its line, then its cells. */
export type UploadRow = [number, ...string[]];

export interface UploadSpec {
  /** The lifecycle kind whose API check the uploader must pass before a row is read. */
  kind: LifecycleInput["kind"];
  /** Where the preview's commit button posts (the upload route itself). */
  action: string;
  nav: Nav;
  /** The activity row's action when the file is committed. */
  activity: string;
  /** Columns the file must have, each under any of its names; then optional ones. */
  required: Record<string, readonly string[]>;
  optional: readonly (readonly string[])[];
  group: (rows: UploadRow[]) => { groups: Group[]; problems: Problem[] };
  /** The page after a commit. */
  committed: (outcome: BulkOutcome, rows: UploadRow[]) => Promise<Response>;
}

/**
 * An upload form's answer: a file is read and previewed; the preview's rows, posted back with
 * `commit=yes`, are checked again and committed whole. A refusal before the rows are checked (no
 * right to write, an unreadable file, a missing column) is thrown for the desk to show.
 */
export async function bulkUpload(
  c: Context<AppEnv>,
  actor: MemberActor,
  posted: { form: Record<string, string>; files: Record<string, File> },
  spec: UploadSpec,
): Promise<Response> {
  const { t } = await loadConsole(c);
  const caller = await lifecycleWriter(c, spec.kind);
  const commit = posted.form.commit === "yes";
  const width = 1 + Object.keys(spec.required).length + spec.optional.length;
  const rows = commit
    ? previewedRows(posted.form, width)
    : await fileRows(posted.files.file, spec, t);
  const { groups, problems } = spec.group(rows);
  const outcome = await runBulk(
    c.var.deps.db,
    lifecycleContext(c, caller.org),
    groups,
    { commit, also: (tx) => activityOf(tx, c, actor, spec.activity, `${rows.length} rows`) },
    problems,
  );
  if (outcome.committed) return spec.committed(outcome, rows);
  return page(c, {
    title: (tt) => tt.desk.bulk.previewTitle,
    nav: spec.nav,
    status: outcome.problems.length > 0 ? 422 : 200,
    ...(commit && outcome.problems.length > 0
      ? { message: { kind: "err" as const, text: t.desk.bulk.refused } }
      : {}),
    body: (csrf, tt) => (
      <Preview
        t={tt}
        csrf={csrf}
        action={spec.action}
        rows={JSON.stringify(rows)}
        total={rows.length}
        problems={outcome.problems}
        back={`/console/${spec.nav}`}
      />
    ),
  });
}

async function fileRows(
  file: File | undefined,
  spec: UploadSpec,
  t: ConsoleDict,
): Promise<UploadRow[]> {
  const table = await readTable(
    file ? new Uint8Array(await file.arrayBuffer()) : new Uint8Array(),
    { maxRows: MAX_BULK_ROWS },
  );
  const missing = missingColumns(table.columns, spec.required);
  if (missing.length > 0) {
    throw new AppError(
      "validation_failed",
      `form.file: ${t.desk.bulk.missingColumn(missing.join(", "))}`,
      { errors: [{ path: "form.file", message: `missing columns: ${missing.join(", ")}` }] },
    );
  }
  const columns = [...Object.values(spec.required), ...spec.optional];
  return table.rows.map((r) => [r.line, ...columns.map((names) => column(r, names))]);
}

/** The rows a preview handed to its commit button, as they were: a line and `width - 1` cells. */
function previewedRows(form: Record<string, string>, width: number): UploadRow[] {
  try {
    const rows = JSON.parse(form.rows ?? "[]") as unknown;
    if (
      Array.isArray(rows) &&
      rows.length <= MAX_BULK_ROWS &&
      rows.every(
        (r) =>
          Array.isArray(r) &&
          r.length === width &&
          typeof r[0] === "number" &&
          r.slice(1).every((x: unknown) => typeof x === "string"),
      )
    ) {
      return rows as UploadRow[];
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
