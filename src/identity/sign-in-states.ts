import crypto from 'node:crypto';
import { type Store, StoreUnavailableError } from '../store/store';
import type { TeamsUser } from './user-tokens';

/** What the interactive sign-in must ask Entra for: a Conditional Access claims challenge, whom to suggest. */
export interface SignInNeeds {
  claims?: string;
  loginHint?: string;
}

interface FlowRecord {
  user: TeamsUser;
  codeVerifier: string;
  locale: string;
}

/** How long a started sign-in may take, and how long its result waits for Teams to report it. */
const FLOW_SECONDS = 10 * 60;
const NEEDS_SECONDS = 60 * 60;
/** States and codes are 32 random bytes, base64url: anything else is refused before the store is asked. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Sign-in records, in the shared store so that any replica may serve each step: the command that
 * waits for a sign-in, what the last failed exchange said the interactive sign-in needs, the PKCE verifier behind each
 * `state`, and the one-time code the callback page hands to Teams (`notifySuccess`), which Teams
 * gives back in `signin/verifyState` or `value.state`. States and codes are used once.
 * While the store is unavailable, a command waiting for the silent sign-in waits in this replica's
 * memory instead (Teams sends the exchange to the replica that asked for it, or the user repeats it).
 */
export class SignInStates {
  private readonly pendingDuringOutage = new Map<string, { command: unknown; expiresAt: number }>();

  constructor(private readonly store: Store) {}

  async rememberNeeds(user: TeamsUser, needs: SignInNeeds): Promise<void> {
    await this.store.put('sign-in-needs', userKey(user), needs, { etag: '*', ttlSeconds: NEEDS_SECONDS });
  }

  async needs(user: TeamsUser): Promise<SignInNeeds> {
    try {
      return (await this.store.get<SignInNeeds>('sign-in-needs', userKey(user)))?.value ?? {};
    } catch (error) {
      if (error instanceof StoreUnavailableError) return {};
      throw error;
    }
  }

  async forgetNeeds(user: TeamsUser): Promise<void> {
    await this.store.delete('sign-in-needs', userKey(user));
  }

  /** What a user asked for while not signed in, to run once the sign-in completes (on any replica). */
  async rememberPending<T>(user: TeamsUser, conversationId: string, command: T): Promise<void> {
    const key = `${userKey(user)}/${conversationId}`;
    try {
      await this.store.put('sign-in-pending', key, command, { etag: '*', ttlSeconds: FLOW_SECONDS });
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      this.pendingDuringOutage.set(key, { command, expiresAt: Date.now() + FLOW_SECONDS * 1000 });
    }
  }

  /** The pending command, once: of several Teams clients completing the same sign-in, one gets it. */
  async takePending<T>(user: TeamsUser, conversationId: string): Promise<T | undefined> {
    const key = `${userKey(user)}/${conversationId}`;
    const kept = this.pendingDuringOutage.get(key);
    if (kept) {
      this.pendingDuringOutage.delete(key);
      if (kept.expiresAt > Date.now()) return kept.command as T;
    }
    try {
      const found = await this.store.get<T>('sign-in-pending', key);
      if (!found || !(await this.store.delete('sign-in-pending', key, found.etag))) return undefined;
      return found.value;
    } catch (error) {
      // Nothing waits where nothing can be read: this client's exchange still succeeds, the other one runs the command.
      if (error instanceof StoreUnavailableError) return undefined;
      throw error;
    }
  }

  /** A new `state` for the authorize request, bound to the user and the PKCE verifier. */
  async beginFlow(user: TeamsUser, codeVerifier: string, locale: string): Promise<string> {
    const state = randomToken();
    await this.store.put<FlowRecord>('sign-in-flows', state, { user, codeVerifier, locale }, { ttlSeconds: FLOW_SECONDS });
    return state;
  }

  /** The flow a `state` started, once: a replayed or unknown state gives nothing. */
  async takeFlow(state: string): Promise<FlowRecord | undefined> {
    if (!TOKEN_SHAPE.test(state)) return undefined;
    const found = await this.store.get<FlowRecord>('sign-in-flows', state);
    if (!found || !(await this.store.delete('sign-in-flows', state, found.etag))) return undefined;
    return found.value;
  }

  /** The one-time code the callback page reports to Teams for this user's completed sign-in. */
  async issueCode(user: TeamsUser): Promise<string> {
    const code = randomToken();
    await this.store.put<TeamsUser>('sign-in-codes', code, user, { ttlSeconds: FLOW_SECONDS });
    return code;
  }

  /** true when `code` is an unused code of this user's completed sign-in (and it is used up now). */
  async redeemCode(user: TeamsUser, code: string): Promise<boolean> {
    if (!TOKEN_SHAPE.test(code)) return false;
    const found = await this.store.get<TeamsUser>('sign-in-codes', code);
    if (!found || found.value.aadObjectId !== user.aadObjectId || found.value.tenantId !== user.tenantId) return false;
    return this.store.delete('sign-in-codes', code, found.etag);
  }
}

function userKey(user: TeamsUser): string {
  return `${user.tenantId}/${user.aadObjectId}`;
}

function randomToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}
