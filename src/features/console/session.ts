// The console's request context: language, the session behind the cookie, and CSRF tokens bound to it.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { publicBaseUrl } from "../../config";
import { actAsMember, blackListEntryOf } from "../../lib/auth";
import type { AppEnv } from "../../lib/context";
import { keyedHash } from "../../lib/crypto";
import { randomString } from "../../lib/random";
import { accessPolicy, type MemberActor, type MemberDeps } from "../members/policy";
import type { ActiveSession } from "../members/sessions";
import { resolveSession } from "../members/sessions";
import { type ConsoleDict, consoleDict, consoleLang, type Lang } from "./i18n";

export const SESSION_COOKIE = "zs_session";
/** Random value of a visitor without a session; the login form's CSRF token is bound to it. */
export const PRE_SESSION_COOKIE = "zs_pre";
export const LANG_COOKIE = "zs_lang";
export const CSRF_FIELD = "_csrf";

/** Thrown when a form comes without the token of its session: answered with a page that says so. */
export class CsrfRefused extends Error {
  override name = "CsrfRefused";
}

/** Thrown by a page that needs a session when there is none: answered by a redirect to the login. */
export class LoginRequired extends Error {
  override name = "LoginRequired";
  /** The request came with a session cookie that no longer holds (expired, logged out). */
  constructor(readonly hadSession = false) {
    super("login required");
  }
}

export interface ConsoleRequest {
  lang: Lang;
  t: ConsoleDict;
  active: ActiveSession | null;
  /** A session cookie came with the request, whether or not it still holds. */
  hadSession: boolean;
}

const states = new WeakMap<Context, ConsoleRequest>();

export const memberDeps = (c: Context<AppEnv>): MemberDeps => ({
  clock: c.var.deps.clock,
  policy: accessPolicy(c.var.deps.config),
});

const secure = (c: Context<AppEnv>) => publicBaseUrl(c.var.deps.config).startsWith("https:");

function cookieOptions(c: Context<AppEnv>) {
  return {
    path: "/console",
    httpOnly: true,
    sameSite: "Lax" as const,
    secure: secure(c),
  };
}

/** Reads language and session once per request; the session's member becomes the request's Caller. */
export async function loadConsole(c: Context<AppEnv>): Promise<ConsoleRequest> {
  const known = states.get(c);
  if (known) return known;
  const query = c.req.query("lang");
  const lang = consoleLang(query, getCookie(c, LANG_COOKIE), c.req.header("Accept-Language"));
  if (query === "zh" || query === "en") {
    setCookie(c, LANG_COOKIE, lang, { ...cookieOptions(c), maxAge: 365 * 86_400 });
  }
  const token = getCookie(c, SESSION_COOKIE);
  const active = token ? await resolveSession(c.var.deps.db, memberDeps(c), token) : null;
  if (token && !active) deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
  if (active) {
    actAsMember(c, {
      org: active.org,
      keyId: null,
      member: actorOf(active),
      blackListEntryId: await blackListEntryOf(c, active.org.id),
    });
  }
  const state = { lang, t: consoleDict[lang], active, hadSession: Boolean(token) };
  states.set(c, state);
  return state;
}

export const actorOf = (active: ActiveSession): MemberActor => ({
  orgId: active.org.id,
  memberId: active.member.id,
  sessionId: active.session.id,
  role: active.member.role,
});

/** The request's session, or a redirect to the login page. */
export async function requireSession(
  c: Context<AppEnv>,
): Promise<ConsoleRequest & { active: ActiveSession; actor: MemberActor }> {
  const state = await loadConsole(c);
  if (!state.active) throw new LoginRequired(state.hadSession);
  return { ...state, active: state.active, actor: actorOf(state.active) };
}

export function setSessionCookie(c: Context<AppEnv>, token: string): void {
  setCookie(c, SESSION_COOKIE, token, cookieOptions(c));
  deleteCookie(c, PRE_SESSION_COOKIE, cookieOptions(c));
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
}

/**
 * The synchronizer token of a form: an HMAC of the session id (or, before login, of the
 * pre-session cookie) under the service's secret, so it is bound to one session and needs no row.
 */
export async function csrfToken(c: Context<AppEnv>): Promise<string> {
  const { active } = await loadConsole(c);
  const secret = c.var.deps.secrets.hashSecret;
  if (active) return keyedHash(secret, "csrf", active.session.id);
  let pre = getCookie(c, PRE_SESSION_COOKIE);
  if (!pre || !/^[A-Za-z0-9_-]{32}$/.test(pre)) {
    pre = randomString(32);
    setCookie(c, PRE_SESSION_COOKIE, pre, cookieOptions(c));
  }
  return keyedHash(secret, "csrf-pre", pre);
}

/** The posted form, once its CSRF token has been checked against the request's session. */
export async function checkedForm(c: Context<AppEnv>): Promise<Record<string, string>> {
  return (await checkedUpload(c)).form;
}

/**
 * A posted form with its files (multipart/form-data), once its CSRF token has been checked.
 * Repeated fields keep their last value; a file field keeps its last non-empty file.
 */
export async function checkedUpload(
  c: Context<AppEnv>,
): Promise<{ form: Record<string, string>; files: Record<string, File> }> {
  const { active } = await loadConsole(c);
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const form: Record<string, string> = {};
  const files: Record<string, File> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === "string") form[k] = v;
    else if (v instanceof File && v.size > 0) files[k] = v;
  }
  const given = form[CSRF_FIELD] ?? "";
  const secret = c.var.deps.secrets.hashSecret;
  const pre = getCookie(c, PRE_SESSION_COOKIE);
  const expected = active
    ? await keyedHash(secret, "csrf", active.session.id)
    : pre
      ? await keyedHash(secret, "csrf-pre", pre)
      : null;
  if (!expected || !constantTimeEqual(given, expected)) throw new CsrfRefused();
  return { form, files };
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
