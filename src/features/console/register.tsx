// Signing up in the console: a new organisation and its first owner in one form, registered by the
// same service as POST /v1/orgs (checks, pending verification) and logged in at once.
import type { Context } from "hono";
import { Hono } from "hono";
import { LICENCE_KINDS } from "../../codes/licences";
import type { Role } from "../../db/schema";
import type { AppEnv } from "../../lib/context";
import { AppError, type FieldError } from "../../lib/errors";
import { rateLimited } from "../../lib/rate-limit";
import { checkPassword, parseLogin } from "../members/service";
import { login } from "../members/sessions";
import { signUp } from "../members/signup";
import { RegisterOrgBody } from "../orgs/schemas";
import { dict as pageDict } from "../pages/i18n";
import { clientFingerprint, limiterOf } from "../scans/fingerprint";
import type { ConsoleDict, Lang } from "./i18n";
import { messageOf, page, parsed } from "./kit";
import { Csrf } from "./layout";
import { checkedForm, loadConsole, memberDeps, setSessionCookie } from "./session";

/** The roles an organisation may give itself; regulators are created by a regulator. */
const SELF_ROLES = ["producer", "seller", "logistics", "inspector"] as const satisfies Role[];
const LICENCE_ROWS = 3;

const words = {
  zh: {
    title: "企业注册",
    intro:
      "注册后企业处于“待核验”状态：可以登录、邀请成员、创建密钥，通过监管核验后才能写入业务数据。",
    org: "企业",
    kind: "主体类型",
    enterprise: "企业（统一社会信用代码）",
    person: "个人卖家（身份证号）",
    nameZh: "名称（中文）",
    nameEn: "名称（英文，可选）",
    uscc: "统一社会信用代码",
    residentId: "身份证号（只保存加密摘要和后四位）",
    roles: "业务角色",
    region: "所在地区（GB/T 2260 代码，如 331003）",
    address: "地址",
    phone: "联系电话",
    email: "联系邮箱",
    licences: "许可证（可选，最多 3 个）",
    licenceKind: "许可证类型",
    licenceNumber: "许可证号",
    owner: "所有者（你自己）",
    ownerName: "姓名",
    ownerLogin: "邮箱或手机号（登录账号）",
    ownerPassword: "密码（至少 10 个字符）",
    submit: "注册",
    have: "已有账号？",
    login: "登录",
    done: "注册成功，已为你登录。",
    keyOnce: "企业的第一个 API 密钥，只显示这一次（系统对接用；人员请用账号登录）：",
    pending: "等待监管部门核验。",
    go: "进入管理台",
    badLogin: "请填写邮箱或 11 位手机号",
  },
  en: {
    title: "Register an organisation",
    intro:
      "A new organisation is pending verification: you can log in, invite members and create keys; business records need a regulator's verification first.",
    org: "Organisation",
    kind: "Kind",
    enterprise: "Enterprise (USCC)",
    person: "Individual seller (resident ID)",
    nameZh: "Name (Chinese)",
    nameEn: "Name (English, optional)",
    uscc: "Unified social credit code",
    residentId: "Resident ID number (only a keyed hash and the last 4 are kept)",
    roles: "Business roles",
    region: "Region (GB/T 2260 code, e.g. 331003)",
    address: "Address",
    phone: "Contact phone",
    email: "Contact email",
    licences: "Licences (optional, up to 3)",
    licenceKind: "Licence kind",
    licenceNumber: "Licence number",
    owner: "Owner (you)",
    ownerName: "Name",
    ownerLogin: "Email or mobile number (your login)",
    ownerPassword: "Password (at least 10 characters)",
    submit: "Register",
    have: "Have an account?",
    login: "Log in",
    done: "Registered; you are logged in.",
    keyOnce:
      "The organisation's first API key, shown only this once (for systems; people log in with their accounts):",
    pending: "Waiting for a regulator's verification.",
    go: "Go to the console",
    badLogin: "an email address or an 11-digit mobile number",
  },
} satisfies Record<Lang, Record<string, string>>;

type Words = (typeof words)["zh"];
const langOf = (t: ConsoleDict): Lang => (t.htmlLang === "en" ? "en" : "zh");

function RegisterForm({
  t,
  w,
  lang,
  csrf,
  values,
}: {
  t: ConsoleDict;
  w: Words;
  lang: Lang;
  csrf: string;
  values: Record<string, string>;
}) {
  const v = (name: string) => values[name] ?? "";
  const kinds = pageDict[lang].licenceKinds;
  return (
    <section>
      <p class="muted">{w.intro}</p>
      <form method="post" action="/console/register">
        <Csrf token={csrf} />
        <fieldset>
          <legend>{w.org}</legend>
          <label for="kind">{w.kind}</label>
          <select id="kind" name="kind">
            <option value="enterprise">{w.enterprise}</option>
            <option value="natural_person" selected={v("kind") === "natural_person"}>
              {w.person}
            </option>
          </select>
          <label for="nameZh">{w.nameZh}</label>
          <input id="nameZh" name="nameZh" required maxlength={200} value={v("nameZh")} />
          <label for="nameEn">{w.nameEn}</label>
          <input id="nameEn" name="nameEn" maxlength={200} value={v("nameEn")} />
          <label for="uscc">{w.uscc}</label>
          <input id="uscc" name="uscc" maxlength={18} autocomplete="off" value={v("uscc")} />
          <label for="residentId">{w.residentId}</label>
          <input id="residentId" name="residentId" maxlength={18} autocomplete="off" />
          <p>{w.roles}</p>
          {SELF_ROLES.map((r) => (
            <label class="check">
              <input
                type="checkbox"
                name={`role.${r}`}
                value="yes"
                checked={v(`role.${r}`) === "yes"}
              />{" "}
              {t.orgRole[r]}
            </label>
          ))}
          <label for="regionCode">{w.region}</label>
          <input
            id="regionCode"
            name="regionCode"
            required
            inputmode="numeric"
            maxlength={6}
            value={v("regionCode")}
          />
          <label for="address">{w.address}</label>
          <input id="address" name="address" maxlength={500} value={v("address")} />
          <label for="contactPhone">{w.phone}</label>
          <input id="contactPhone" name="contactPhone" maxlength={40} value={v("contactPhone")} />
          <label for="contactEmail">{w.email}</label>
          <input
            id="contactEmail"
            name="contactEmail"
            type="email"
            maxlength={200}
            value={v("contactEmail")}
          />
        </fieldset>
        <fieldset>
          <legend>{w.licences}</legend>
          <LicenceRows kinds={kinds} words={w} values={values} />
        </fieldset>
        <fieldset>
          <legend>{w.owner}</legend>
          <label for="ownerName">{w.ownerName}</label>
          <input id="ownerName" name="ownerName" required maxlength={100} value={v("ownerName")} />
          <label for="ownerLogin">{w.ownerLogin}</label>
          <input
            id="ownerLogin"
            name="ownerLogin"
            required
            maxlength={320}
            autocomplete="username"
            value={v("ownerLogin")}
          />
          <label for="ownerPassword">{w.ownerPassword}</label>
          <input
            id="ownerPassword"
            name="ownerPassword"
            type="password"
            required
            minlength={10}
            autocomplete="new-password"
          />
        </fieldset>
        <button type="submit">{w.submit}</button>
      </form>
      <p class="muted">
        {w.have} <a href="/console/login">{w.login}</a>
      </p>
    </section>
  );
}

/** Rows of licence kind and number, named `licence.N.kind` and `licence.N.number`. */
export function LicenceRows({
  kinds,
  words: w,
  values,
}: {
  kinds: Record<string, string>;
  words: { licenceKind: string; licenceNumber: string };
  values: Record<string, string>;
}) {
  const v = (name: string) => values[name] ?? "";
  return (
    <>
      {Array.from({ length: LICENCE_ROWS }, (_, i) => (
        <div class="pair">
          <select name={`licence.${i}.kind`} aria-label={w.licenceKind}>
            <option value="">—</option>
            {LICENCE_KINDS.map((k) => (
              <option value={k} selected={v(`licence.${i}.kind`) === k}>
                {kinds[k] ?? k}
              </option>
            ))}
          </select>
          <input
            name={`licence.${i}.number`}
            aria-label={w.licenceNumber}
            maxlength={64}
            value={v(`licence.${i}.number`)}
          />
        </div>
      ))}
    </>
  );
}

/** The filled licence rows of a form. */
export function licencesOf(form: Record<string, string>) {
  const given = (name: string) => {
    const value = (form[name] ?? "").trim();
    return value === "" ? undefined : value;
  };
  return Array.from({ length: LICENCE_ROWS }, (_, i) => ({
    kind: given(`licence.${i}.kind`),
    number: given(`licence.${i}.number`),
  })).filter((l) => l.kind || l.number);
}

/** The form's fields as the body of POST /v1/orgs; empty optional fields are left out. */
function registrationOf(form: Record<string, string>) {
  const given = (name: string) => {
    const value = (form[name] ?? "").trim();
    return value === "" ? undefined : value;
  };
  const licences = licencesOf(form);
  return {
    kind: given("kind") ?? "enterprise",
    nameZh: form.nameZh ?? "",
    nameEn: given("nameEn"),
    uscc: given("uscc"),
    residentId: given("residentId"),
    roles: SELF_ROLES.filter((r) => form[`role.${r}`] === "yes"),
    regionCode: form.regionCode ?? "",
    address: given("address"),
    contactPhone: given("contactPhone"),
    contactEmail: given("contactEmail"),
    licences,
  };
}

function formPage(
  c: Context<AppEnv>,
  values: Record<string, string>,
  error: AppError | null = null,
) {
  return page(c, {
    title: (t) => words[langOf(t)].title,
    status: error?.status ?? 200,
    message: null,
    body: (csrf, t) => {
      const lang = langOf(t);
      const errors = (error?.extras as { errors?: FieldError[] } | undefined)?.errors ?? [];
      return (
        <>
          {error ? (
            <div class="err" role="alert">
              <p>{messageOf(t, error).text}</p>
              {errors.length > 1 ? (
                <ul>
                  {errors.map((e) => (
                    <li>
                      {e.path}: {e.message}
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          ) : null}
          <RegisterForm t={t} w={words[lang]} lang={lang} csrf={csrf} values={values} />
        </>
      );
    },
  });
}

export const registerRoutes = new Hono<AppEnv>()
  .get("/console/register", async (c) => {
    return formPage(c, {});
  })
  .post("/console/register", async (c) => {
    const form = await checkedForm(c);
    const w = words[(await loadConsole(c)).lang];
    const wait = await limiterOf(c).take("register", await clientFingerprint(c));
    if (wait > 0) {
      c.header("Retry-After", String(wait));
      return formPage(c, form, rateLimited("too many registrations from this client", wait));
    }
    try {
      const input = parsed(RegisterOrgBody, registrationOf(form));
      const ownerLogin = parseLogin(form.ownerLogin ?? "");
      if (!ownerLogin) {
        throw new AppError("validation_failed", `ownerLogin: ${w.badLogin}`, {
          errors: [{ path: "form.ownerLogin", message: w.badLogin }],
        });
      }
      const displayName = (form.ownerName ?? "").trim().slice(0, 100);
      if (!displayName) {
        throw new AppError("validation_failed", `ownerName: ${w.ownerName}`, {
          errors: [{ path: "form.ownerName", message: "required" }],
        });
      }
      const password = (form.ownerPassword ?? "").slice(0, 1024);
      checkPassword(password);
      const { key } = await signUp(
        c.var.deps.db,
        { clock: c.var.deps.clock, hashSecret: c.var.deps.secrets.hashSecret },
        input,
        { login: ownerLogin, displayName, password },
      );
      const done = await login(c.var.deps.db, memberDeps(c), {
        login: form.ownerLogin ?? "",
        password,
        userAgent: c.req.header("User-Agent") ?? "",
      });
      setSessionCookie(c, done.token);
      return page(c, {
        title: () => w.title,
        status: 201,
        message: { kind: "ok", text: w.done },
        body: () => (
          <section>
            <p>{w.keyOnce}</p>
            <p class="secret" data-testid="first-key">
              {key.key}
            </p>
            <p>{w.pending}</p>
            <p>
              <a href="/console">{w.go}</a>
            </p>
          </section>
        ),
      });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // The password is never sent back into the form.
      return formPage(c, { ...form, ownerPassword: "", residentId: "" }, error);
    }
  });
