import crypto from 'node:crypto';
import { SEEDED } from '../src/twin/directory';
import type { Twin } from '../src/twin';
import type { Conversation } from '../src/twin/teams';

/** A simulated analyst with the bot installed in their personal chat. */
export interface BenchUser {
  oid: string;
  upn: string;
  chat: Conversation;
}

/** Adds `count` consented responders who see every device group to the twin's directory. */
export function addBenchUsers(twin: Twin, prefix: string, count: number): BenchUser[] {
  const domain = twin.directory.tenants.get(SEEDED.tenantId)?.domain ?? 'contoso.onmicrosoft.com';
  const users: BenchUser[] = [];
  for (let index = 1; index <= count; index++) {
    const oid = crypto.randomUUID();
    const upn = `${prefix}-${index}@${domain}`;
    twin.directory.addUser({
      oid, upn, displayName: `Bench ${prefix} ${index}`, tenantId: SEEDED.tenantId, consented: true,
      defenderRole: 'responder', deviceGroups: 'all',
    });
    users.push({ oid, upn, chat: twin.teams.driver.personalChat(oid) });
  }
  return users;
}

/** Installs the bot in each user's personal chat (the install events go to the current bot endpoint). */
export async function installForUsers(twin: Twin, users: readonly BenchUser[]): Promise<void> {
  for (const user of users) await twin.teams.driver.install(user.chat);
}

/**
 * Each user's first command: the bot asks for sign-in, the user's Teams clients do the SSO
 * exchange and the bot runs the command. Afterwards the bot holds each user's Defender token.
 */
export async function signIn(twin: Twin, users: readonly BenchUser[]): Promise<void> {
  await Promise.all(users.map(async (user) => {
    const said = await twin.teams.driver.say(user.oid, user.chat, 'alerts 1');
    if (said.status !== 200) throw new Error(`the bot answered ${said.status} to ${user.upn}`);
  }));
  await twin.teams.driver.settled();
}
