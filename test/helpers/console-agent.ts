// A logged-in console visitor without a browser: keeps the cookies, reads CSRF tokens off pages,
// posts forms (urlencoded or multipart with files). For HTTP-level tests of console pages.
import type { TestApp } from "../app";

export interface ConsoleAgent {
  get(path: string): Promise<Response>;
  /** Posts a form; a File value makes it multipart/form-data. */
  post(path: string, form: Record<string, string | File>): Promise<Response>;
  /** The CSRF token of the page at `path`. */
  csrfOf(path: string): Promise<string>;
  /** GETs `path`, then posts `form` with that page's CSRF token. */
  submit(path: string, action: string, form: Record<string, string | File>): Promise<Response>;
  jar: Map<string, string>;
  /** The answer to the login form; null for an anonymous agent. */
  loginResponse: Response | null;
}

/** An agent logged in as `login`, or an anonymous visitor when `login` is null. */
export async function consoleAgent(
  t: TestApp,
  login: string | null,
  password = "",
  options: { expectLoggedIn?: boolean; headers?: Record<string, string> } = {},
): Promise<ConsoleAgent> {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const extra = options.headers ?? {};
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const [k = "", v = ""] = pair.split("=");
      if (/Max-Age=0/i.test(line)) jar.delete(k);
      else jar.set(k, v);
    }
    return res;
  };
  const get = async (path: string) =>
    keep(await t.request("GET", path, { headers: { ...extra, Cookie: cookie() } }));
  const post = async (path: string, form: Record<string, string | File>) => {
    const multipart = Object.values(form).some((v) => typeof v !== "string");
    if (multipart) {
      const data = new FormData();
      for (const [k, v] of Object.entries(form)) data.append(k, v);
      return keep(
        await t.request("POST", path, { body: data, headers: { ...extra, Cookie: cookie() } }),
      );
    }
    return keep(
      await t.request("POST", path, {
        body: new URLSearchParams(form as Record<string, string>).toString(),
        headers: {
          ...extra,
          Cookie: cookie(),
          "Content-Type": "application/x-www-form-urlencoded",
        },
      }),
    );
  };
  const csrfOf = async (path: string) => {
    const html = await (await get(path)).text();
    return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
  };
  const submit = async (path: string, action: string, form: Record<string, string | File>) =>
    post(action, { ...form, _csrf: await csrfOf(path) });
  const loginResponse =
    login === null
      ? null
      : await post("/console/login", { _csrf: await csrfOf("/console/login"), login, password });
  if (loginResponse && (options.expectLoggedIn ?? true) && loginResponse.status !== 303) {
    throw new Error(`login as ${login} answered ${loginResponse.status}, not 303`);
  }
  return { get, post, csrfOf, submit, jar, loginResponse };
}
