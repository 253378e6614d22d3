import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';

/** Extra JWK members published with a key, e.g. `endorsements` for Bot Framework channel keys. */
export type JwkExtras = Record<string, unknown>;

export interface PublishedJwk extends crypto.JsonWebKey {
  kid: string;
  kty: string;
  use: 'sig';
  alg: 'RS256';
}

interface KeyEntry {
  kid: string;
  privateKey: crypto.KeyObject;
  publicJwk: PublishedJwk;
}

/**
 * RS256 signing keys generated at start, published as a JWKS. A twin signs the tokens it issues
 * with these; the real SDKs verify them through the published JWKS, exactly as against Microsoft.
 */
export class SigningKeys {
  private readonly keys = new Map<string, KeyEntry>();
  private currentKid: string;

  constructor(private readonly kidPrefix: string, extras: JwkExtras = {}) {
    this.currentKid = this.addKey(extras);
  }

  /** Adds a key (with a fresh kid, so SDK key caches see it as new) and returns its kid. */
  addKey(extras: JwkExtras = {}): string {
    const kid = `${this.kidPrefix}-${crypto.randomBytes(8).toString('hex')}`;
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const exported = publicKey.export({ format: 'jwk' });
    const publicJwk: PublishedJwk = { ...exported, ...extras, kty: 'RSA', kid, use: 'sig', alg: 'RS256' };
    this.keys.set(kid, { kid, privateKey, publicJwk });
    return kid;
  }

  /** Makes `kid` the key used by default for new tokens. */
  useKey(kid: string): void {
    if (!this.keys.has(kid)) throw new Error(`unknown signing key ${kid}`);
    this.currentKid = kid;
  }

  get kid(): string {
    return this.currentKid;
  }

  jwks(): { keys: PublishedJwk[] } {
    return { keys: [...this.keys.values()].map((entry) => entry.publicJwk) };
  }

  /** Signs `claims` as given (iat/nbf/exp included by the caller), RS256, with `kid` in the header. */
  sign(claims: Record<string, unknown>, kid = this.currentKid): string {
    const entry = this.keys.get(kid);
    if (!entry) throw new Error(`unknown signing key ${kid}`);
    return jwt.sign(claims, entry.privateKey, { algorithm: 'RS256', keyid: kid, noTimestamp: true });
  }

  /**
   * Verifies a token signed by one of these keys. Throws jsonwebtoken's errors
   * (TokenExpiredError, NotBeforeError, JsonWebTokenError) so callers can map them.
   */
  verify(token: string, options: jwt.VerifyOptions = {}): jwt.JwtPayload {
    const decoded = jwt.decode(token, { complete: true });
    const kid = decoded && typeof decoded === 'object' ? decoded.header.kid : undefined;
    const entry = kid ? this.keys.get(kid) : undefined;
    if (!entry) throw new jwt.JsonWebTokenError('signing key not found');
    const publicKey = crypto.createPublicKey({ key: entry.publicJwk, format: 'jwk' });
    const payload = jwt.verify(token, publicKey, { ...options, algorithms: ['RS256'], complete: false });
    if (typeof payload === 'string') throw new jwt.JsonWebTokenError('token payload is not JSON');
    return payload;
  }
}

/** A key pair that belongs to nobody the twin trusts: signs tokens for "bad signature" tests. */
export function foreignSigningKeys(kidToImitate: string): { sign(claims: Record<string, unknown>): string } {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    sign: (claims) => jwt.sign(claims, privateKey, { algorithm: 'RS256', keyid: kidToImitate, noTimestamp: true }),
  };
}
