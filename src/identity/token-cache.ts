import crypto from 'node:crypto';
import { DistributedCachePlugin, type ICacheClient, type IPartitionManager } from '@azure/msal-node';
import { type Store, StoreUnavailableError } from '../store/store';
import type { TeamsUser } from './user-tokens';

const COLLECTION = 'token-cache';
const FORMAT = 'v1';
/** Refresh tokens live up to 90 days; a partition nobody used for that long holds nothing useful. */
const PARTITION_TTL_SECONDS = 90 * 24 * 60 * 60;
/** Partitions this replica remembers for a storage outage (the most recently used). */
const OUTAGE_MEMORY_PARTITIONS = 5000;

/**
 * msal-node's token cache, shared by every replica through the store, one partition per user,
 * sealed with AES-256-GCM under a configured key (the partition name is authenticated with it, so
 * one user's sealed cache cannot be passed off as another's). The store never sees a readable token.
 * While the store is unavailable, the replica serves the users it served last from memory (as the
 * bot's cache lived before it was shared), so signed-in users keep working through an outage.
 */
export class SealedTokenCache implements ICacheClient {
  private readonly lastSeen = new Map<string, string>();

  constructor(private readonly store: Store, private readonly key: Buffer) {
    if (key.length !== 32) throw new RangeError('the token cache key must be 32 bytes');
  }

  /** The cache plugin of one user's msal client: it reads and writes only that user's partition. */
  pluginFor(user: TeamsUser): DistributedCachePlugin {
    return new DistributedCachePlugin(this, new UserPartition(user));
  }

  async get(partition: string): Promise<string> {
    let stored;
    try {
      stored = await this.store.get<{ sealed: string }>(COLLECTION, partition);
    } catch (error) {
      if (error instanceof StoreUnavailableError) return this.lastSeen.get(partition) ?? '';
      throw error;
    }
    // Sealed with another key (rotated) or tampered with: treated as empty, the user signs in again.
    return this.remember(partition, stored ? open(this.key, partition, stored.value.sealed) ?? '' : '');
  }

  async set(partition: string, value: string): Promise<string> {
    this.remember(partition, value);
    try {
      await this.store.put(COLLECTION, partition, { sealed: seal(this.key, partition, value) }, { etag: '*', ttlSeconds: PARTITION_TTL_SECONDS });
    } catch (error) {
      // Kept in memory; the next write after the outage shares it again.
      if (!(error instanceof StoreUnavailableError)) throw error;
    }
    return value;
  }

  /** The version of the user's sealed cache in the store (it changes on every write); undefined when there is none. */
  async version(user: TeamsUser): Promise<string | undefined> {
    return (await this.store.get(COLLECTION, partitionOf(user)))?.etag;
  }

  /** Forgets everything cached for the user (sign-out, a token Defender refused). */
  async evict(user: TeamsUser): Promise<void> {
    this.lastSeen.delete(partitionOf(user));
    await this.store.delete(COLLECTION, partitionOf(user));
  }

  private remember(partition: string, value: string): string {
    this.lastSeen.delete(partition);
    if (value === '') return value;
    this.lastSeen.set(partition, value);
    if (this.lastSeen.size > OUTAGE_MEMORY_PARTITIONS) this.lastSeen.delete(this.lastSeen.keys().next().value as string);
    return value;
  }
}

export function partitionOf(user: TeamsUser): string {
  return `${user.tenantId}/${user.aadObjectId}`;
}

/**
 * Always the bound user's partition: a token of somebody else that reached this user's client
 * (refused by the caller) must never be written into that other person's partition.
 */
class UserPartition implements IPartitionManager {
  constructor(private readonly user: TeamsUser) {}

  async getKey(): Promise<string> {
    return partitionOf(this.user);
  }

  async extractKey(): Promise<string> {
    return partitionOf(this.user);
  }
}

function seal(key: Buffer, partition: string, plaintext: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(partition));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [FORMAT, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), sealed.toString('base64url')].join('.');
}

function open(key: Buffer, partition: string, sealed: string): string | undefined {
  const [format, iv, tag, data] = sealed.split('.');
  if (format !== FORMAT || !iv || !tag || data === undefined) return undefined;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(partition));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
