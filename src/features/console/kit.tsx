// What every console page and form handler shares: the page frame with its headers, redirects,
// form parsing, attribution of writes to the member, and refusals worded for people.
import type { Context } from "hono";
import { raw } from "hono/html";
import type { z } from "zod";
import type { Role } from "../../db/schema";
import type { Db } from "../../db/types";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { validationError } from "../../lib/router";
import { recordActivity } from "../members/activity";
import type { MemberActor } from "../members/policy";
import type { ActiveSession } from "../members/sessions";
import { renderPage } from "../pages/layout";
import type { ConsoleDict } from "./i18n";
import { type Message, type Nav, Shell } from "./layout";
import { checkedUpload, csrfToken, loadConsole, requireSession } from "./session";

/** No script at all, styles only from this origin, forms only to this origin, never framed. */
const CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

function switchHref(c: Context<AppEnv>, lang: string): string {
  const url = new URL(c.req.url);
  const params = new URLSearchParams(url.search);
  params.set("lang", lang);
  // A POST's answer switches to the page's GET form.
  return `${c.req.method === "GET" ? url.pathname : "/console"}?${params.toString()}`;
}

export type Body = (csrf: string, t: ConsoleDict) => unknown;

export async function page(
  c: Context<AppEnv>,
  input: {
    title: (t: ConsoleDict) => string;
    nav?: Nav;
    body: Body;
    message?: Message | null;
    status?: number;
  },
): Promise<Response> {
  const html = await framed(c, input, input.body);
  return c.html(html, (input.status ?? 200) as 200);
}

/** The whole page as text, with the console's headers set on the answer. */
async function framed(
  c: Context<AppEnv>,
  input: { title: (t: ConsoleDict) => string; nav?: Nav; message?: Message | null },
  body: Body,
): Promise<string> {
  const state = await loadConsole(c);
  const csrf = await csrfToken(c);
  const html = await renderPage(
    Shell({
      t: state.t,
      title: input.title(state.t),
      switchHref: switchHref(c, state.t.switchLang),
      active: state.active,
      csrf,
      ...(input.nav ? { nav: input.nav } : {}),
      message: input.message ?? null,
      children: body(csrf, state.t) as never,
    }),
  );
  c.header("Content-Security-Policy", CSP);
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  c.header("Vary", "Cookie, Accept-Language");
  return html;
}

export const see = (c: Context<AppEnv>, to: string) => c.redirect(to, 303);

export function parsed<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, "form");
  return result.data;
}

/** A date and time as the console shows them (UTC, to the minute). */
export const when = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ");

/** The member's activity row for a console write, inside the write's transaction. */
export function activityOf(
  tx: Db,
  c: Context<AppEnv>,
  actor: MemberActor,
  action: string,
  target: string | null,
): Promise<void> {
  return recordActivity(tx, c.var.deps.clock, {
    orgId: actor.orgId,
    memberId: actor.memberId,
    sessionId: actor.sessionId,
    action,
    target,
  });
}

/** Runs a console write and its activity row in one transaction. */
export function attributed<T>(
  c: Context<AppEnv>,
  actor: MemberActor,
  action: string,
  work: (tx: Db) => Promise<{ result: T; target: string | null }>,
): Promise<T> {
  return c.var.deps.db.transaction(async (tx) => {
    const { result, target } = await work(tx);
    await activityOf(tx, c, actor, action, target);
    return result;
  });
}

/** The refusal of a form, on the page the form came from (which keeps what was typed). */
export function refusedOn(
  render: (message: Message, status: number) => Promise<Response>,
  t: ConsoleDict,
): (error: unknown) => Promise<Response> {
  return async (error) => {
    if (!(error instanceof AppError)) throw error;
    return render(messageOf(t, error), error.status);
  };
}

export function requireOwnerPage(actor: MemberActor, why: string): void {
  if (actor.role !== "owner") throw new AppError("forbidden", why, { missingRole: ["owner"] });
}

/** What a refusal says on the page, in the visitor's language. */
export function messageOf(t: ConsoleDict, error: AppError): Message {
  const extras = error.extras as { reason?: string; retryAfter?: number };
  switch (error.code) {
    case "unauthorized":
      return { kind: "err", text: t.login.bad };
    case "rate_limited":
      return {
        kind: "err",
        text:
          extras.reason === "member_locked"
            ? t.login.locked(Math.ceil((extras.retryAfter ?? 60) / 60))
            : t.login.limited(extras.retryAfter ?? 60),
      };
    case "forbidden":
      return { kind: "err", text: `${t.forbidden}${error.detail}` };
    case "not_found":
      return { kind: "err", text: `${t.notFound}${error.detail}` };
    case "validation_failed":
    case "conflict":
      return { kind: "err", text: `${t.invalid}${error.detail}` };
    default:
      return { kind: "err", text: `${t.error}${error.detail}` };
  }
}

/** A desk is for organisations of its roles; anyone else is told so (as the API would refuse its writes). */
export function requireDesk(active: ActiveSession, roles: Role[], t: ConsoleDict): void {
  if (!roles.some((r) => active.org.roles.includes(r))) {
    throw new AppError(
      "forbidden",
      `${roles.map((r) => t.orgRole[r]).join(" / ")} (${active.org.nameZh})`,
      { missingRole: roles },
    );
  }
}

/** A desk's page: a logged-in member of an organisation with one of `roles`. */
export async function deskSession(c: Context<AppEnv>, roles: Role[]) {
  const session = await requireSession(c);
  requireDesk(session.active, roles, session.t);
  return session;
}

/**
 * A desk's posted form: the login first, then its CSRF token, then the role, so that a forged
 * form learns nothing of who may post it.
 */
export async function deskForm(c: Context<AppEnv>, roles: Role[]) {
  const session = await requireSession(c);
  const { form, files } = await checkedUpload(c);
  requireDesk(session.active, roles, session.t);
  return { ...session, form, files };
}

/** A form field, trimmed; empty is undefined, so optional fields are left out of a body. */
export const given = (form: Record<string, string>, name: string): string | undefined => {
  const value = (form[name] ?? "").trim();
  return value === "" ? undefined : value;
};

/** A form field as a number when it is one; left as written otherwise, for the schema to name. */
export const numberOr = (value: string | undefined): number | string | undefined =>
  value === undefined ? undefined : /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;

const STREAM_MARK = "<!--zs-stream-->";

/**
 * A page whose middle is written while the work runs (a progress bar for a long write): the frame
 * goes out at once, then each chunk the work yields, then the rest of the frame.
 */
export async function streamedPage(
  c: Context<AppEnv>,
  input: { title: (t: ConsoleDict) => string; nav?: Nav },
  work: (t: ConsoleDict) => AsyncGenerator<string>,
): Promise<Response> {
  const { t } = await loadConsole(c);
  const html = await framed(c, input, () => raw(STREAM_MARK));
  const [head = "", tail = ""] = html.split(STREAM_MARK);
  const chunks = work(t);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(head));
    },
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) {
        controller.enqueue(encoder.encode(tail));
        controller.close();
      } else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return c.body(body, 200, { "Content-Type": "text/html; charset=utf-8" });
}

/** A labelled text field, filled with what was typed before. */
export function Field({
  name,
  label,
  values,
  value,
  ...input
}: {
  name: string;
  label: string;
  values?: Record<string, string>;
  required?: boolean;
  type?: string;
  inputmode?: "numeric" | "decimal" | "url" | "email";
  maxlength?: number;
  autocomplete?: string;
  placeholder?: string;
  value?: string;
}) {
  return (
    <>
      <label for={name}>{label}</label>
      <input id={name} name={name} value={values?.[name] ?? value ?? ""} {...input} />
    </>
  );
}
