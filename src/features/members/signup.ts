// A new organisation signs up in the console: registered as POST /v1/orgs registers it, with its first
// owner in the same transaction, so an organisation never exists without a person who can log in.
import type { Db } from "../../db/types";
import type { IssuedKey, OrgDeps, RegisterInput } from "../orgs/service";
import { registerOrg } from "../orgs/service";
import { createMember, type LoginId } from "./service";

export interface FirstOwner {
  login: LoginId;
  displayName: string;
  password: string;
}

export async function signUp(
  db: Db,
  deps: OrgDeps,
  input: RegisterInput,
  owner: FirstOwner,
): Promise<{ orgId: string; key: IssuedKey; notice: string | null }> {
  return db.transaction(async (tx) => {
    const { org, key, notice } = await registerOrg(tx, deps, input, null);
    await createMember(tx, deps.clock, {
      orgId: org.id,
      login: owner.login,
      displayName: owner.displayName,
      role: "owner",
      password: owner.password,
    });
    return { orgId: org.id, key, notice };
  });
}
