/**
 * Set-if-absent keys with a lifetime: the first claim of a key wins, later claims see the value the
 * winner recorded. Used to run a confirmed response action once however often the invoke arrives,
 * and to process one SSO exchange once when several Teams clients send it.
 * In memory for one replica; the storage layer provides the shared version for scale-out.
 */
export interface OnceLedger<T> {
  /** true when this caller is the first; false when the key was claimed before. */
  claim(key: string): Promise<boolean>;
  record(key: string, value: T): Promise<void>;
  lookup(key: string): Promise<T | undefined>;
}

export class MemoryOnceLedger<T> implements OnceLedger<T> {
  private readonly entries = new Map<string, { value?: T; expiresAt: number }>();

  constructor(private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  async claim(key: string): Promise<boolean> {
    this.sweep();
    if (this.entries.has(key)) return false;
    this.entries.set(key, { expiresAt: this.now() + this.ttlMs });
    return true;
  }

  async record(key: string, value: T): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
  }

  async lookup(key: string): Promise<T | undefined> {
    this.sweep();
    return this.entries.get(key)?.value;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
