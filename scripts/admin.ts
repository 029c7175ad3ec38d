// `npm run admin -- <command>`: the platform administrator's tools (first regulator, keys, verification).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { eq } from "drizzle-orm";
import { loadConfig } from "../src/config";
import { migrate } from "../src/db/migrate";
import { openPglite } from "../src/db/pglite";
import { openPostgres } from "../src/db/postgres";
import { orgs } from "../src/db/schema";
import { createMember, parseLogin } from "../src/features/members/service";
import { createRegulator } from "../src/features/orgs/bootstrap";
import { isValidJurisdiction } from "../src/features/orgs/jurisdiction";
import { changeOrgStatus, issueApiKey } from "../src/features/orgs/service";
import { systemClock } from "../src/lib/clock";
import { randomString } from "../src/lib/random";
import { describeStartupError } from "../src/lib/startup-errors";

const usage = `usage: npm run admin -- <command> [options]
  create-regulator --name <名称> [--uscc <USCC>] [--region <GB/T 2260 code>]
                   [--jurisdiction <GB/T 2260 code, or 000000 for the whole country (default)>]
                   creates a verified regulator and prints its API key
  create-key --org <org id> [--name <label>]
                   prints a new API key for an organisation
  create-owner --org <org id> --login <email or mobile> --name <姓名>
                   adds an owner who can log in to the console and prints a one-time password
                   (the owner changes it by an invitation to itself, or keeps it)
  verify --org <org id> --by <regulator org id> --reason <text> [--status verified|rejected|suspended]
                   changes an organisation's verification state as that regulator
  list             lists organisations with their status
Uses DATABASE_URL, or the embedded database in DATA_DIR (default ./data).`;

const [command, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: {
    name: { type: "string" },
    uscc: { type: "string" },
    region: { type: "string" },
    jurisdiction: { type: "string" },
    org: { type: "string" },
    by: { type: "string" },
    reason: { type: "string" },
    login: { type: "string" },
    status: { type: "string", default: "verified" },
  },
});

const config = loadConfig(process.env);
let handle: Awaited<ReturnType<typeof openPglite>> | ReturnType<typeof openPostgres>;
try {
  handle = config.DATABASE_URL
    ? openPostgres(config.DATABASE_URL, { max: 2 })
    : await openPglite(resolve(config.DATA_DIR));
  await migrate(handle);
} catch (error) {
  console.error(`zhuisu admin: ${describeStartupError(error)}`);
  process.exit(1);
}
const { db } = handle;

try {
  switch (command) {
    case "create-regulator": {
      if (!values.name) throw new Error("--name is required");
      if (values.jurisdiction && !isValidJurisdiction(values.jurisdiction))
        throw new Error("--jurisdiction: a current GB/T 2260 code, or 000000");
      const { orgId, key } = await createRegulator(db, systemClock, {
        nameZh: values.name,
        uscc: values.uscc,
        regionCode: values.region,
        jurisdiction: values.jurisdiction,
      });
      console.log(`regulator ${orgId} created\nAPI key (shown once): ${key.key}`);
      break;
    }
    case "create-key": {
      if (!values.org) throw new Error("--org is required");
      const key = await issueApiKey(db, systemClock, values.org, values.name ?? "admin");
      console.log(`API key for ${values.org} (shown once): ${key.key}`);
      break;
    }
    case "create-owner": {
      if (!values.org || !values.login || !values.name)
        throw new Error("--org, --login and --name are required");
      const login = parseLogin(values.login);
      if (!login) throw new Error("--login: an email address or an 11-digit mobile number");
      const [org] = await db.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, values.org));
      if (!org) throw new Error(`no organisation ${values.org} (npm run admin -- list)`);
      const password = randomString(16);
      const member = await createMember(db, systemClock, {
        orgId: values.org,
        login,
        displayName: values.name,
        role: "owner",
        password,
      });
      console.log(
        `owner ${member.id} of ${values.org}: ${values.login}\npassword (shown once): ${password}`,
      );
      break;
    }
    case "verify": {
      if (!values.org || !values.by || !values.reason)
        throw new Error("--org, --by and --reason are required");
      const [regulator] = await db.select().from(orgs).where(eq(orgs.id, values.by));
      if (!regulator?.roles.includes("regulator"))
        throw new Error(`${values.by} is not a regulator`);
      const org = await changeOrgStatus(
        db,
        systemClock,
        values.org,
        values.status as "verified",
        values.reason,
        regulator,
      );
      console.log(`${org.id} is now ${org.status}`);
      break;
    }
    case "list": {
      for (const o of await db.select().from(orgs))
        console.log(`${o.id}  ${o.status.padEnd(14)} ${o.roles.join(",").padEnd(20)} ${o.nameZh}`);
      break;
    }
    default:
      console.log(usage);
      process.exitCode = command ? 1 : 0;
  }
} catch (error) {
  console.error(`zhuisu admin: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await handle.close();
}
