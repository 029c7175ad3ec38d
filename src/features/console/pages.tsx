// The console's pages as hono/jsx components; each gets its words, data and CSRF token, and renders without JavaScript.
import type { ApiKey, Commitment, Member, Org } from "../../db/schema";
import type { ActiveSession } from "../members/sessions";
import type { ConsoleDict } from "./i18n";
import { when } from "./kit";
import { Csrf } from "./layout";

export function LoginForm({
  t,
  csrf,
  login,
  next,
}: {
  t: ConsoleDict;
  csrf: string;
  login?: string;
  next?: string;
}) {
  return (
    <section class="login">
      <form method="post" action="/console/login">
        <Csrf token={csrf} />
        {next ? <input type="hidden" name="next" value={next} /> : null}
        <label for="login">{t.login.id}</label>
        <input id="login" name="login" autocomplete="username" required value={login ?? ""} />
        <label for="password">{t.login.password}</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
        />
        <button type="submit">{t.login.submit}</button>
      </form>
      <p>
        <a href="/console/register">{t.login.register}</a>
      </p>
      <p class="muted">{t.login.demo}</p>
    </section>
  );
}

export function Home({ t, active, csrf }: { t: ConsoleDict; active: ActiveSession; csrf: string }) {
  const { org, member } = active;
  const owner = member.role === "owner";
  return (
    <>
      <section>
        <dl>
          <dt>{t.home.signedInAs}</dt>
          <dd>{member.displayName}</dd>
          <dt>{t.home.org}</dt>
          <dd>{org.nameZh}</dd>
          <dt>{t.home.orgRoles}</dt>
          <dd>{org.roles.map((r) => t.orgRole[r]).join("、")}</dd>
          <dt>{t.home.memberRole}</dt>
          <dd>{t.role[member.role]}</dd>
          <dt>{t.home.status}</dt>
          <dd>{t.status[org.status] ?? org.status}</dd>
        </dl>
        {org.status !== "verified" ? <p class="err">{t.home.unverified}</p> : null}
      </section>
      <section>
        <h2>{t.home.next}</h2>
        <ul>
          <li>{t.home.nextSearch}</li>
          <li>
            <a href="/console/profile">{t.home.nextProfile}</a>
          </li>
          <li>
            <a href="/console/keys">{t.home.nextKeys}</a>
          </li>
          {owner ? (
            <>
              <li>
                <a href="/console/members">{t.home.nextMembers}</a>
              </li>
              <li>
                <a href="/console/activity">{t.home.nextActivity}</a>
              </li>
            </>
          ) : null}
        </ul>
        <form method="post" action="/console/logout-everywhere">
          <Csrf token={csrf} />
          <button type="submit" class="danger">
            {t.logoutEverywhere}
          </button>
        </form>
      </section>
    </>
  );
}

export function Profile({
  t,
  org,
  region,
  commitment,
  csrf,
}: {
  t: ConsoleDict;
  org: Org;
  region: string;
  commitment: Commitment | null;
  csrf: string;
}) {
  const body = commitment?.body;
  return (
    <>
      <section>
        <dl>
          <dt>{t.profile.name}</dt>
          <dd>
            {org.nameZh}
            {org.nameEn ? ` (${org.nameEn})` : ""}
          </dd>
          <dt>{t.profile.uscc}</dt>
          <dd>{org.uscc ?? "—"}</dd>
          <dt>{t.profile.region}</dt>
          <dd>{region}</dd>
          <dt>{t.profile.address}</dt>
          <dd>{org.address ?? "—"}</dd>
          <dt>{t.profile.contact}</dt>
          <dd>{[org.contactPhone, org.contactEmail].filter(Boolean).join(" · ") || "—"}</dd>
        </dl>
        <p class="muted">{t.profile.editNote}</p>
      </section>
      <section>
        <h2>{t.profile.licences}</h2>
        {org.licences.length === 0 ? (
          <p class="muted">{t.profile.noLicences}</p>
        ) : (
          <ul>
            {org.licences.map((l) => (
              <li>
                {l.kind}: {l.number}
                {l.validUntil ? ` (${l.validUntil})` : ""}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section>
        <h2>
          {t.profile.commitment}
          {commitment ? <span class="muted"> {t.profile.version(commitment.version)}</span> : null}
        </h2>
        {body ? (
          <dl>
            <dt>{t.profile.quality}</dt>
            <dd>{body.quality}</dd>
            <dt>{t.profile.priceHonesty}</dt>
            <dd>{body.priceHonesty}</dd>
            <dt>{t.profile.logistics}</dt>
            <dd>{body.logistics}</dd>
            <dt>{t.profile.returnDays}</dt>
            <dd>{body.afterSales.noReasonReturnDays}</dd>
            <dt>{t.profile.responseHours}</dt>
            <dd>{body.afterSales.responseHours}</dd>
          </dl>
        ) : (
          <p class="muted">{t.profile.noCommitment}</p>
        )}
        <details>
          <summary>{t.profile.publish}</summary>
          <form method="post" action="/console/profile/commitment">
            <Csrf token={csrf} />
            <label for="quality">{t.profile.quality}</label>
            <textarea id="quality" name="quality" required maxlength={2000}>
              {body?.quality ?? ""}
            </textarea>
            <label for="priceHonesty">{t.profile.priceHonesty}</label>
            <textarea id="priceHonesty" name="priceHonesty" required maxlength={2000}>
              {body?.priceHonesty ?? ""}
            </textarea>
            <label for="logistics">{t.profile.logistics}</label>
            <textarea id="logistics" name="logistics" required maxlength={2000}>
              {body?.logistics ?? ""}
            </textarea>
            <div class="grid">
              <div>
                <label for="noReasonReturnDays">{t.profile.returnDays}</label>
                <input
                  id="noReasonReturnDays"
                  name="noReasonReturnDays"
                  type="number"
                  min={0}
                  max={365}
                  value={String(body?.afterSales.noReasonReturnDays ?? 7)}
                />
              </div>
              <div>
                <label for="responseHours">{t.profile.responseHours}</label>
                <input
                  id="responseHours"
                  name="responseHours"
                  type="number"
                  min={1}
                  max={720}
                  value={String(body?.afterSales.responseHours ?? 24)}
                />
              </div>
            </div>
            <label>
              <input
                type="checkbox"
                name="firstCompensation"
                value="yes"
                style="width:auto"
                checked={body?.afterSales.firstCompensation ?? false}
              />{" "}
              {t.profile.firstCompensation}
            </label>
            <button type="submit">{t.profile.publish}</button>
          </form>
        </details>
      </section>
    </>
  );
}

export function Keys({
  t,
  keys,
  csrf,
  issued,
}: {
  t: ConsoleDict;
  keys: ApiKey[];
  csrf: string;
  issued?: string;
}) {
  return (
    <>
      <p class="muted">{t.keys.intro}</p>
      {issued ? (
        <section>
          <p>{t.keys.createdOnce}</p>
          <p class="secret" data-testid="new-key">
            {issued}
          </p>
        </section>
      ) : null}
      <section class="scroll">
        {keys.length === 0 ? (
          <p class="muted">{t.keys.none}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>{t.keys.name}</th>
                <th>{t.keys.prefix}</th>
                <th>{t.keys.created}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr data-key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{when(k.createdAt)}</td>
                  <td>
                    {k.revokedAt ? (
                      <span class="badge">{t.keys.revoked}</span>
                    ) : (
                      <form method="post" action={`/console/keys/${k.id}/revoke`}>
                        <Csrf token={csrf} />
                        <button type="submit" class="link">
                          {t.keys.revoke}
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section>
        <h2>{t.keys.create}</h2>
        <form method="post" action="/console/keys">
          <Csrf token={csrf} />
          <label for="name">{t.keys.name}</label>
          <input id="name" name="name" required maxlength={100} />
          <button type="submit">{t.keys.create}</button>
        </form>
      </section>
    </>
  );
}

export function Members({
  t,
  members,
  csrf,
  selfId,
  link,
}: {
  t: ConsoleDict;
  members: Member[];
  csrf: string;
  selfId: string;
  link?: { url: string; expiresAt: Date };
}) {
  return (
    <>
      {link ? (
        <section>
          <p>
            {t.members.inviteLink} {when(link.expiresAt)} UTC):
          </p>
          <p class="secret" data-testid="invitation-link">
            {link.url}
          </p>
        </section>
      ) : null}
      <section class="scroll">
        <table>
          <thead>
            <tr>
              <th>{t.members.name}</th>
              <th>{t.members.login}</th>
              <th>{t.members.role}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr data-member={m.id}>
                <td>
                  {m.displayName}
                  {m.passwordHash ? null : <span class="badge">{t.members.invited}</span>}
                </td>
                <td>{m.email ?? m.phone}</td>
                <td>{t.role[m.role]}</td>
                <td>
                  {m.id === selfId ? null : (
                    <form method="post" action={`/console/members/${m.id}/remove`}>
                      <Csrf token={csrf} />
                      <button type="submit" class="link">
                        {t.members.remove}
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h2>{t.members.invite}</h2>
        <form method="post" action="/console/members">
          <Csrf token={csrf} />
          <label for="displayName">{t.members.name}</label>
          <input id="displayName" name="displayName" required maxlength={100} />
          <label for="login">{t.login.id}</label>
          <input id="login" name="login" required maxlength={320} />
          <label for="role">{t.members.role}</label>
          <select id="role" name="role">
            <option value="staff">{t.role.staff}</option>
            <option value="owner">{t.role.owner}</option>
          </select>
          <button type="submit">{t.members.invite}</button>
        </form>
      </section>
    </>
  );
}

export interface ActivityRow {
  id: number;
  at: Date;
  action: string;
  target: string | null;
  sessionId: string | null;
  memberName: string | null;
}

export function ActivityLog({
  t,
  rows,
  next,
}: {
  t: ConsoleDict;
  rows: ActivityRow[];
  next?: number;
}) {
  return (
    <section class="scroll">
      <table>
        <thead>
          <tr>
            <th>{t.activity.at}</th>
            <th>{t.activity.who}</th>
            <th>{t.activity.action}</th>
            <th>{t.activity.target}</th>
            <th>{t.activity.session}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>{when(r.at)}</td>
              <td>{r.memberName ?? "—"}</td>
              <td data-action={r.action}>
                {t.activity.actions[r.action] ?? <code>{r.action}</code>}
              </td>
              <td>{r.target ?? ""}</td>
              <td>
                <code>{r.sessionId ?? ""}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {next ? <a href={`/console/activity?before=${next}`}>{t.activity.older}</a> : null}
    </section>
  );
}

export function InvitationForm({
  t,
  csrf,
  action,
  welcome,
}: {
  t: ConsoleDict;
  csrf: string;
  action: string;
  welcome: string;
}) {
  return (
    <section class="login">
      <p>{welcome}</p>
      <form method="post" action={action}>
        <Csrf token={csrf} />
        <label for="password">{t.invitation.password}</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="new-password"
          minlength={10}
          required
        />
        <button type="submit">{t.invitation.submit}</button>
      </form>
    </section>
  );
}
