/**
 * The twin's notion of "now". Real time by default; tests freeze it and move it forward to drive
 * token expiry, machine-action progress and rate-limit windows without sleeping.
 */
export class TwinClock {
  private frozenAt: number | undefined;
  private offsetMs = 0;

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Stops the clock at its current time (or at `at`, epoch ms). */
  freeze(at = this.now()): void {
    this.frozenAt = at;
  }

  /** Moves the clock forward; a frozen clock stays frozen at the new time. */
  advance(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  /** Back to real time (keeping any offset added by advance). */
  unfreeze(): void {
    if (this.frozenAt !== undefined) this.offsetMs = this.frozenAt - Date.now();
    this.frozenAt = undefined;
  }
}
