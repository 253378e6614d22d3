import crypto from 'node:crypto';

/** What a card button carries: the bot's parameters, bound to a conversation and a time by an HMAC. */
export interface SignedActionData {
  p: Record<string, string>;
  c: string;
  t: number;
  n?: string;
  s: string;
}

export interface VerifiedAction {
  verb: string;
  params: Record<string, string>;
  issuedAtSeconds: number;
  /** One-time id of a confirmation: the same confirm is never executed twice. */
  nonce?: string;
  /** Values of the card's inputs (merged into the data by Teams), unsigned and to be validated. */
  inputs: Record<string, unknown>;
}

export type ActionRejection = 'malformed' | 'bad_signature' | 'other_conversation' | 'expired';

export class ActionRejectedError extends Error {
  constructor(readonly reason: ActionRejection) {
    super(`card action refused: ${reason}`);
  }
}

const SIGNED_KEYS = new Set(['p', 'c', 't', 'n', 's']);

/**
 * Card action data is untrusted input (anyone in the conversation, or a crafted invoke, can send
 * any JSON): the bot signs what it puts on a button and accepts only data it signed, for the same
 * verb, in the same conversation, within the verb's lifetime.
 */
export class ActionSigner {
  /** Made once: an HMAC keyed with a KeyObject costs less than one keyed with the secret's text each time. */
  private readonly key: crypto.KeyObject;

  constructor(secret: string, private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000)) {
    this.key = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
  }

  sign(verb: string, params: Record<string, string>, conversationId: string, nonce?: string): SignedActionData {
    const unsigned = { p: params, c: baseConversationId(conversationId), t: this.nowSeconds(), ...(nonce ? { n: nonce } : {}) };
    return { ...unsigned, s: this.mac(verb, unsigned) };
  }

  verify(verb: unknown, data: unknown, conversationId: string, maxAgeSeconds: number): VerifiedAction {
    if (typeof verb !== 'string' || !isRecord(data)) throw new ActionRejectedError('malformed');
    const { p, c, t, n, s } = data;
    if (!isStringRecord(p) || typeof c !== 'string' || typeof t !== 'number' || typeof s !== 'string'
      || (n !== undefined && typeof n !== 'string')) {
      throw new ActionRejectedError('malformed');
    }
    const unsigned = { p, c, t, ...(n ? { n } : {}) };
    const expected = Buffer.from(this.mac(verb, unsigned), 'base64url');
    const given = Buffer.from(s, 'base64url');
    if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
      throw new ActionRejectedError('bad_signature');
    }
    if (c !== baseConversationId(conversationId)) throw new ActionRejectedError('other_conversation');
    if (this.nowSeconds() - t > maxAgeSeconds) throw new ActionRejectedError('expired');
    const inputs = Object.fromEntries(Object.entries(data).filter(([key]) => !SIGNED_KEYS.has(key)));
    return { verb, params: p, issuedAtSeconds: t, ...(n ? { nonce: n } : {}), inputs };
  }

  private mac(verb: string, unsigned: { p: Record<string, string>; c: string; t: number; n?: string }): string {
    const canonical = JSON.stringify([verb, sortedEntries(unsigned.p), unsigned.c, unsigned.t, unsigned.n ?? null]);
    return crypto.createHmac('sha256', this.key).update(canonical).digest('base64url');
  }
}

/** A channel thread's id carries `;messageid=…`; cards are bound to the channel, not to one thread. */
export function baseConversationId(conversationId: string): string {
  return conversationId.split(';')[0];
}

function sortedEntries(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((item) => typeof item === 'string');
}
