// The console shell: header (organisation, member, language, logout), navigation, search box, message.
import type { Child } from "hono/jsx";
import type { ActiveSession } from "../members/sessions";
import { CONSOLE_CSS_HASH } from "./assets.generated";
import type { ConsoleDict } from "./i18n";
import { CSRF_FIELD } from "./session";

export const CONSOLE_CSS_PATH = `/assets/console.${CONSOLE_CSS_HASH}.css`;

import type { Role } from "../../db/schema";

/** The console's sections: the shared ones, then each desk for the organisation roles it serves. */
export const NAV = [
  { nav: "home", href: "/console" },
  { nav: "products", href: "/console/products", roles: ["producer"] },
  { nav: "sales", href: "/console/sales", roles: ["seller"] },
  { nav: "complaints", href: "/console/complaints", roles: ["seller"] },
  { nav: "credit", href: "/console/credit", roles: ["seller", "producer"] },
  { nav: "shipments", href: "/console/shipments", roles: ["logistics"] },
  { nav: "alerts", href: "/console/alerts", roles: ["logistics"] },
  { nav: "inspections", href: "/console/inspections", roles: ["inspector"] },
  { nav: "trace", href: "/console/trace", roles: ["inspector", "regulator", "producer"] },
  { nav: "dashboard", href: "/console/regulate/dashboard", roles: ["regulator"] },
  { nav: "verification", href: "/console/regulate/orgs", roles: ["regulator"] },
  { nav: "alertQueue", href: "/console/regulate/alerts", roles: ["regulator"] },
  { nav: "complaintQueue", href: "/console/regulate/complaints", roles: ["regulator"] },
  { nav: "lists", href: "/console/regulate/lists", roles: ["regulator"] },
  { nav: "profile", href: "/console/profile" },
  { nav: "members", href: "/console/members" },
  { nav: "keys", href: "/console/keys" },
  { nav: "activity", href: "/console/activity", ownerOnly: true },
] as const satisfies readonly { nav: string; href: string; roles?: Role[]; ownerOnly?: true }[];

export type Nav = (typeof NAV)[number]["nav"];

export interface Message {
  kind: "ok" | "err";
  text: string;
}

export interface ShellProps {
  t: ConsoleDict;
  title: string;
  /** This page in the other language. */
  switchHref: string;
  active: ActiveSession | null;
  csrf: string;
  nav?: Nav;
  message?: Message | null;
  children?: Child;
}

export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={token} />;
}

export function Shell({ t, title, switchHref, active, csrf, nav, message, children }: ShellProps) {
  return (
    <html lang={t.htmlLang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${title} · ${t.site}`}</title>
        <link rel="stylesheet" href={CONSOLE_CSS_PATH} />
      </head>
      <body>
        <div class="top">
          <b>{t.site}</b>
          {active ? (
            <span class="who">
              {active.org.nameZh} · {active.member.displayName} ({t.role[active.member.role]})
            </span>
          ) : null}
          <span>
            <a href={switchHref} hreflang={t.switchLang} lang={t.switchLang}>
              {t.switchTo}
            </a>
            {active ? (
              <>
                {" · "}
                <form class="inline" method="post" action="/console/logout">
                  <Csrf token={csrf} />
                  <button class="link" type="submit">
                    {t.logout}
                  </button>
                </form>
              </>
            ) : null}
          </span>
        </div>
        {active ? (
          <nav>
            <ul>
              {NAV.filter(
                (item) =>
                  (!("roles" in item) ||
                    item.roles.some((r: Role) => active.org.roles.includes(r))) &&
                  (!("ownerOnly" in item) || active.member.role === "owner"),
              ).map((item) => (
                <li>
                  <a href={item.href} aria-current={item.nav === nav ? "page" : undefined}>
                    {t.nav[item.nav]}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        <main>
          {active ? (
            <form class="search" method="get" action="/console/search">
              <label class="muted" for="code" hidden>
                {t.search.label}
              </label>
              <input
                id="code"
                name="code"
                placeholder={t.search.placeholder}
                aria-label={t.search.label}
                autocomplete="off"
                maxlength={512}
              />
              <button type="submit">{t.search.submit}</button>
            </form>
          ) : null}
          <h1>{title}</h1>
          {message ? (
            <p class={message.kind} role={message.kind === "err" ? "alert" : "status"}>
              {message.text}
            </p>
          ) : null}
          {children}
        </main>
      </body>
    </html>
  );
}
