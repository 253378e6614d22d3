import { Lease } from '../notify/lease';
import type { Store } from '../store/store';

/**
 * Background work in rounds, done by whichever replica holds a named lease: a round every
 * `everyMs` while started; stop() waits for the round under way and gives the lease up, so another
 * replica takes over at once. A round checks `lease.hold()` itself (before each step of long work).
 */
export class LeasedRounds {
  readonly lease: Lease;
  private timer: NodeJS.Timeout | undefined;
  private cycle: Promise<unknown> | undefined;
  private running = false;

  constructor(
    store: Store,
    private readonly settings: { name: string; replicaId: string; everyMs: number; round: () => Promise<unknown>; log(line: string): void; now?: () => number },
  ) {
    this.lease = new Lease(store, settings.name, settings.replicaId, settings.everyMs * 3, settings.now);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.cycle;
    await this.lease.release().catch((error) => this.settings.log(`${this.settings.name}: releasing the lease failed: ${describe(error)}`));
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.cycle = this.settings.round()
        .catch((error) => this.settings.log(`${this.settings.name}: a round failed: ${describe(error)}`))
        .finally(() => {
          this.cycle = undefined;
          this.schedule();
        });
    }, this.settings.everyMs);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
