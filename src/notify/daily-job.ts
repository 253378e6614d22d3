import { type Store, StoreUnavailableError } from '../store/store';
import { Lease } from './lease';

const STATE = 'notify-state';
const DAY_MS = 24 * 60 * 60 * 1000;
/** How often a replica asks whether a job is due (the store remembers when it last ran). */
const WAKE_MS = 60 * 60 * 1000;
const LEASE_TTL_MS = 10 * 60 * 1000;

export interface DailyJobDeps {
  store: Store;
  /** Names the job's lease and its record of the last run. */
  name: string;
  replicaId: string;
  /** The work; what it returns (if anything) goes to `report`. */
  run: () => Promise<string | undefined>;
  log: (line: string) => void;
  /** Where a run's outcome goes (default: `log`); failures always go to `log`. */
  report?: (line: string) => void;
  now?: () => number;
}

/**
 * Work done once a day on one replica (a lease): when it last ran is in the store, so a restart
 * neither skips nor repeats it, and several replicas do not all do it.
 */
export class DailyJob {
  private readonly lease: Lease;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private cycle: Promise<void> | undefined;

  constructor(private readonly deps: DailyJobDeps) {
    this.now = deps.now ?? Date.now;
    this.lease = new Lease(deps.store, `daily-${deps.name}`, deps.replicaId, LEASE_TTL_MS, this.now);
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.cycle = this.runIfDue().then(
        () => undefined,
        (error: unknown) => {
          // A storage outage is logged once where it is noticed; the job runs again when it is due.
          if (!(error instanceof StoreUnavailableError)) this.deps.log(`${this.deps.name}: the daily run failed: ${error instanceof Error ? error.message : String(error)}`);
        },
      ).finally(() => { this.cycle = undefined; });
    };
    this.timer = setInterval(tick, WAKE_MS);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.cycle;
  }

  /** Runs the job when a day has passed since it last ran anywhere; false when it was not due or another replica holds it. */
  async runIfDue(): Promise<boolean> {
    const last = await this.deps.store.get<{ at: number }>(STATE, `daily-${this.deps.name}`);
    if (last && this.now() - last.value.at < DAY_MS) return false;
    return this.run();
  }

  /** Runs the job now, if this replica holds (or can take) the lease; false otherwise. */
  async run(): Promise<boolean> {
    if (!(await this.lease.hold())) return false;
    const outcome = await this.deps.run();
    await this.deps.store.put(STATE, `daily-${this.deps.name}`, { at: this.now() }, { etag: '*' });
    if (outcome) (this.deps.report ?? this.deps.log)(`${this.deps.name}: ${outcome}`);
    return true;
  }
}
