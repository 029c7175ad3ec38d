// The console under /console: server-rendered pages and no-JavaScript forms. Every write checks the
// form's CSRF token, calls the same service with the same authorisation as its API route, and
// leaves an activity row naming the member and the session in the same transaction.
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { parseCode } from "../../codes";
import { publicBaseUrl } from "../../config";
import { requireCaller, requireWriter } from "../../lib/auth";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { rateLimited } from "../../lib/rate-limit";
import { listActivity } from "../members/activity";
import type { MemberActor } from "../members/policy";
import {
  acceptInvitation,
  inviteMember,
  listMembers,
  openInvitation,
  parseLogin,
  removeMember,
} from "../members/service";
import { login, logout, logoutEverywhere } from "../members/sessions";
import { regionView } from "../orgs/profile";
import { CommitmentBody, NewKeyBody } from "../orgs/schemas";
import {
  currentCommitment,
  getOrg,
  issueApiKey,
  listApiKeys,
  publishCommitment,
  revokeApiKey,
} from "../orgs/service";
import { clientFingerprint, limiterOf } from "../scans/fingerprint";
import { CONSOLE_CSS, CONSOLE_CSS_HASH } from "./assets.generated";
import { carrierRoutes } from "./carrier";
import { dashboardRoutes } from "./dashboard";
import { inspectorRoutes } from "./inspector";
import { attributed, messageOf, page, parsed, requireOwnerPage, see } from "./kit";
import type { Message } from "./layout";
import { ActivityLog, Home, InvitationForm, Keys, LoginForm, Members, Profile } from "./pages";
import { producerRoutes } from "./producer";
import { registerRoutes } from "./register";
import { regulatorRoutes } from "./regulator";
import { sellerRoutes } from "./seller";
import {
  CsrfRefused,
  checkedForm,
  clearSessionCookie,
  LoginRequired,
  loadConsole,
  memberDeps,
  requireSession,
  setSessionCookie,
} from "./session";

const InviteForm = z.object({
  displayName: z.string().trim().min(1).max(100),
  login: z.string().trim().min(1).max(320),
  role: z.enum(["owner", "staff"]),
});

/** Where to go after logging in: a console page of this origin, never another site. */
function returnPath(next: string | undefined): string {
  if (!next || next.length > 2048) return "/console";
  return /^\/console(\/[^\\]*)?(\?.*)?$/.test(next) && !next.startsWith("//") ? next : "/console";
}

async function loginPage(
  c: Context<AppEnv>,
  options: { message?: Message | null; status?: number; login?: string; next?: string } = {},
): Promise<Response> {
  const next = options.next && options.next !== "/console" ? options.next : undefined;
  return page(c, {
    title: (t) => t.login.title,
    body: (csrf, t) => (
      <LoginForm
        t={t}
        csrf={csrf}
        {...(options.login ? { login: options.login } : {})}
        {...(next ? { next } : {})}
      />
    ),
    message: options.message ?? null,
    status: options.status ?? 200,
  });
}

async function keysPage(
  c: Context<AppEnv>,
  orgId: string,
  extra: { issued?: string; message?: Message },
) {
  const keys = await listApiKeys(c.var.deps.db, orgId);
  return page(c, {
    title: (t) => t.keys.title,
    nav: "keys",
    message: extra.message ?? null,
    status: extra.issued ? 201 : 200,
    body: (csrf, t) => (
      <Keys t={t} keys={keys} csrf={csrf} {...(extra.issued ? { issued: extra.issued } : {})} />
    ),
  });
}

async function membersPage(
  c: Context<AppEnv>,
  actor: MemberActor,
  extra: { link?: { url: string; expiresAt: Date }; message?: Message },
) {
  const rows = await listMembers(c.var.deps.db, actor.orgId);
  return page(c, {
    title: (t) => t.members.title,
    nav: "members",
    message: extra.message ?? null,
    status: extra.link ? 201 : 200,
    body: (csrf, t) => (
      <Members
        t={t}
        members={rows}
        csrf={csrf}
        selfId={actor.memberId}
        {...(extra.link ? { link: extra.link } : {})}
      />
    ),
  });
}

const ACTIVITY_PAGE = 50;

export const consoleRoutes = new Hono<AppEnv>()
  .get("/assets/:file{console\\.[0-9a-f]{12}\\.css}", (c) => {
    if (c.req.param("file") !== `console.${CONSOLE_CSS_HASH}.css`) {
      throw new AppError("not_found", `no asset at ${c.req.path}`);
    }
    // The name changes with the content, so a browser may keep it for a year without asking.
    return c.body(CONSOLE_CSS, 200, {
      "Content-Type": "text/css; charset=utf-8",
      "Cache-Control": "public, max-age=31536000, immutable",
    });
  })
  .route("/", registerRoutes)
  .route("/", producerRoutes)
  .route("/", sellerRoutes)
  .route("/", carrierRoutes)
  .route("/", regulatorRoutes)
  .route("/", inspectorRoutes)
  .route("/", dashboardRoutes)
  .get("/console/login", async (c) => {
    const { active, t } = await loadConsole(c);
    const next = returnPath(c.req.query("next"));
    if (active) return see(c, next);
    return loginPage(c, {
      next,
      ...(c.req.query("ended") ? { message: { kind: "err", text: t.login.expired } } : {}),
    });
  })
  .post("/console/login", async (c) => {
    const form = await checkedForm(c);
    const wait = await limiterOf(c).take("login", await clientFingerprint(c));
    const { t } = await loadConsole(c);
    if (wait > 0) {
      const error = rateLimited("too many login attempts from this client", wait);
      c.header("Retry-After", String(wait));
      return loginPage(c, {
        message: messageOf(t, error),
        status: 429,
        login: form.login ?? "",
        next: returnPath(form.next),
      });
    }
    try {
      const done = await login(c.var.deps.db, memberDeps(c), {
        login: (form.login ?? "").slice(0, 320),
        password: (form.password ?? "").slice(0, 1024),
        userAgent: c.req.header("User-Agent") ?? "",
      });
      setSessionCookie(c, done.token);
      return see(c, returnPath(form.next));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
      return loginPage(c, {
        message: messageOf(t, error),
        status: error.status,
        login: form.login ?? "",
        next: returnPath(form.next),
      });
    }
  })
  .post("/console/logout", async (c) => {
    const { active } = await requireSession(c);
    await checkedForm(c);
    await logout(c.var.deps.db, memberDeps(c), active);
    clearSessionCookie(c);
    return see(c, "/console/login");
  })
  .post("/console/logout-everywhere", async (c) => {
    const { active } = await requireSession(c);
    await checkedForm(c);
    await logoutEverywhere(c.var.deps.db, memberDeps(c), active);
    clearSessionCookie(c);
    return see(c, "/console/login");
  })
  .get("/console", async (c) => {
    const { active } = await requireSession(c);
    return page(c, {
      title: (t) => t.home.title,
      nav: "home",
      body: (csrf, t) => <Home t={t} active={active} csrf={csrf} />,
    });
  })
  .get("/console/search", async (c) => {
    const { t } = await requireSession(c);
    const code = (c.req.query("code") ?? "").slice(0, 512);
    const result = parseCode(code);
    if (result.ok && result.value.kind === "gs1" && result.value.level !== "other-key") {
      // The product, lot or item view is its scan page, under its canonical Digital Link key.
      return see(c, result.value.key);
    }
    const text = !result.ok
      ? `${t.search.bad}${result.error.message}`
      : result.value.kind === "drug-code"
        ? t.search.drug(result.value.code)
        : t.search.other;
    return page(c, {
      title: (tt) => tt.search.label,
      message: { kind: "err", text },
      status: result.ok ? 200 : 400,
      body: () => null,
    });
  })
  .get("/console/profile", async (c) => {
    const { active } = await requireSession(c);
    const org = active.org;
    const commitment = await currentCommitment(c.var.deps.db, org.id);
    const region = regionView(org.regionCode);
    return page(c, {
      title: (t) => t.profile.title,
      nav: "profile",
      message: c.req.query("done")
        ? { kind: "ok", text: (await loadConsole(c)).t.profile.published }
        : null,
      body: (csrf, t) => (
        <Profile
          t={t}
          org={org}
          region={`${region.names.join(" ")} (${region.code})`}
          commitment={commitment}
          csrf={csrf}
        />
      ),
    });
  })
  .post("/console/profile/commitment", async (c) => {
    const { actor } = await requireSession(c);
    const form = await checkedForm(c);
    // The same check as POST /v1/me/commitments: a verified organisation, any role.
    const caller = await requireWriter(c);
    const body = parsed(CommitmentBody, {
      quality: form.quality,
      priceHonesty: form.priceHonesty,
      logistics: form.logistics,
      afterSales: {
        noReasonReturnDays: Number(form.noReasonReturnDays ?? "7"),
        firstCompensation: form.firstCompensation === "yes",
        responseHours: Number(form.responseHours ?? "24"),
      },
    });
    await attributed(c, actor, "commitment.publish", async (tx) => {
      const row = await publishCommitment(tx, c.var.deps.clock, caller.org.id, body);
      return { result: row, target: row.id };
    });
    return see(c, "/console/profile?done=1");
  })
  .get("/console/keys", async (c) => {
    const { active, t } = await requireSession(c);
    return keysPage(
      c,
      active.org.id,
      c.req.query("done") ? { message: { kind: "ok", text: t.keys.revokedOk } } : {},
    );
  })
  .post("/console/keys", async (c) => {
    const { actor } = await requireSession(c);
    const form = await checkedForm(c);
    // The same check as POST /v1/me/keys: any organisation manages its own credentials.
    const caller = await requireCaller(c);
    const { name } = parsed(NewKeyBody, { name: form.name ?? "" });
    const key = await attributed(c, actor, "key.create", async (tx) => {
      const issued = await issueApiKey(tx, c.var.deps.clock, caller.org.id, name);
      return { result: issued, target: issued.id };
    });
    return keysPage(c, caller.org.id, { issued: key.key });
  })
  .post("/console/keys/:keyId/revoke", async (c) => {
    const { actor } = await requireSession(c);
    await checkedForm(c);
    const caller = await requireCaller(c);
    const keyId = c.req.param("keyId").slice(0, 64);
    await attributed(c, actor, "key.revoke", async (tx) => {
      await revokeApiKey(tx, c.var.deps.clock, caller.org.id, keyId);
      return { result: null, target: keyId };
    });
    return see(c, "/console/keys?done=revoked");
  })
  .get("/console/members", async (c) => {
    const { actor, t } = await requireSession(c);
    requireOwnerPage(actor, t.members.ownerOnly);
    return membersPage(
      c,
      actor,
      c.req.query("done") ? { message: { kind: "ok", text: t.members.removed } } : {},
    );
  })
  .post("/console/members", async (c) => {
    const { actor } = await requireSession(c);
    const form = await checkedForm(c);
    const input = parsed(InviteForm, form);
    const login = parseLogin(input.login);
    if (!login) {
      throw new AppError(
        "validation_failed",
        "login: an email address or an 11-digit mobile number",
        {
          errors: [
            { path: "form.login", message: "an email address or an 11-digit mobile number" },
          ],
        },
      );
    }
    const issued = await inviteMember(c.var.deps.db, memberDeps(c), actor, {
      login,
      displayName: input.displayName,
      role: input.role,
    });
    const url = `${publicBaseUrl(c.var.deps.config)}/console/invitations/${issued.token}`;
    return membersPage(c, actor, { link: { url, expiresAt: issued.expiresAt } });
  })
  .post("/console/members/:memberId/remove", async (c) => {
    const { actor } = await requireSession(c);
    await checkedForm(c);
    await removeMember(
      c.var.deps.db,
      c.var.deps.clock,
      actor,
      c.req.param("memberId").slice(0, 64),
    );
    return see(c, "/console/members?done=removed");
  })
  .get("/console/activity", async (c) => {
    const { actor, t } = await requireSession(c);
    requireOwnerPage(actor, t.activity.ownerOnly);
    const before = Number(c.req.query("before"));
    const rows = await listActivity(c.var.deps.db, actor.orgId, {
      limit: ACTIVITY_PAGE + 1,
      ...(Number.isSafeInteger(before) && before > 0 ? { before } : {}),
    });
    const shown = rows.slice(0, ACTIVITY_PAGE);
    const next = rows.length > ACTIVITY_PAGE ? shown[shown.length - 1]?.id : undefined;
    return page(c, {
      title: (tt) => tt.activity.title,
      nav: "activity",
      body: (_csrf, tt) => <ActivityLog t={tt} rows={shown} {...(next ? { next } : {})} />,
    });
  })
  .get("/console/invitations/:token", async (c) => {
    const { t } = await loadConsole(c);
    const token = c.req.param("token").slice(0, 64);
    const { member } = await openInvitation(c.var.deps.db, c.var.deps.clock, token);
    const org = await getOrg(c.var.deps.db, member.orgId);
    return page(c, {
      title: (tt) => tt.invitation.title,
      body: (csrf, tt) => (
        <InvitationForm
          t={tt}
          csrf={csrf}
          action={`/console/invitations/${token}`}
          welcome={t.invitation.welcome(member.displayName, org.nameZh)}
        />
      ),
    });
  })
  .post("/console/invitations/:token", async (c) => {
    const form = await checkedForm(c);
    const token = c.req.param("token").slice(0, 64);
    const password = (form.password ?? "").slice(0, 1024);
    const member = await acceptInvitation(c.var.deps.db, c.var.deps.clock, token, password);
    const done = await login(c.var.deps.db, memberDeps(c), {
      login: member.email ?? member.phone ?? "",
      password,
      userAgent: c.req.header("User-Agent") ?? "",
    });
    setSessionCookie(c, done.token);
    return see(c, "/console");
  })
  .onError(async (error, c) => {
    if (error instanceof LoginRequired) {
      // A page asked for comes back after the login; a form is not re-posted.
      const url = new URL(c.req.url);
      const params = new URLSearchParams();
      if (c.req.method === "GET") params.set("next", `${url.pathname}${url.search}`);
      if (error.hadSession || c.req.method !== "GET") params.set("ended", "1");
      const query = params.toString();
      return see(c, `/console/login${query ? `?${query}` : ""}`);
    }
    if (error instanceof CsrfRefused) {
      return page(c, {
        title: (t) => t.csrf.title,
        status: 403,
        message: { kind: "err", text: (await loadConsole(c)).t.csrf.text },
        body: (_csrf, t) => (
          <p>
            <a href="/console">{t.csrf.back}</a>
          </p>
        ),
      });
    }
    if (error instanceof AppError) {
      const { t } = await loadConsole(c);
      for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
      return page(c, {
        title: (tt) =>
          error.code === "not_found"
            ? tt.notFound.replace(/[:：]\s*$/, "")
            : tt.forbidden.replace(/[:：]\s*$/, ""),
        status: error.status,
        message: messageOf(t, error),
        body: (_csrf, tt) => (
          <p>
            <a href="/console">{tt.csrf.back}</a>
          </p>
        ),
      });
    }
    c.var.deps.logger.error("unhandled console error", {
      requestId: c.var.requestId,
      path: c.req.path,
      error:
        error instanceof Error
          ? { name: error.name, message: error.message, stack: error.stack }
          : String(error),
    });
    const { t } = await loadConsole(c);
    return page(c, {
      title: () => t.csrf.title,
      status: 500,
      message: { kind: "err", text: `${t.error}${c.var.requestId}` },
      body: () => null,
    });
  });
