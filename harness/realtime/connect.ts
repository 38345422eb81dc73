// The tenant's database connection as the real server keeps it (lib/realtime/tenants/connect.ex),
// under the faithful profile. Every join goes through Connect.lookup_or_start_connection:
// - a Connect process with its connection up answers at once, even while the database is down: its
//   pool reconnects by itself (a 10-minute recovery window), so public joins go on and only what
//   needs a query (a private channel's policies) fails;
// - with none, the join starts one: a database that refuses gets the caller the process's
//   connect_down, `UnableToConnectToProject`; one that does not answer within
//   connect_connection_ready_timeout (15 s) gets `InitializingProjectConnection: Realtime is
//   initializing the project connection`. Joins arriving while a start is under way wait for it, and
//   its failure or their own timeout is `UnableToConnectToProject` (lookup_or_start_connection maps
//   :initializing to :tenant_database_unavailable);
// - every failed start counts toward connect_errors_per_second_rate (1 s ticks, 5 buckets, 3 in
//   all): past it joins are refused with `DatabaseConnectionRateLimitReached` without trying.
// The Connect process goes when its pool dies, after the recovery window, or with no users for about
// eleven minutes; here only the db-outage fault's `dropConnection` (and a server start) takes it away.
import { RateCounter } from './rate-counter.ts';

export const UNABLE_TO_CONNECT = 'UnableToConnectToProject: Realtime was unable to connect to the project database';
export const INITIALIZING = 'InitializingProjectConnection: Realtime is initializing the project connection';
export const CONNECT_RATE_LIMIT = 'DatabaseConnectionRateLimitReached: Too many database connections attempts per second';

/** tenants.ex connect_errors_per_second_rate: `tick: 1 s, max_bucket_len: 5`, tripped at a sum of 3. */
const CONNECT_ERRORS_WINDOW = { tickMs: 1000, buckets: 5 };
const CONNECT_ERRORS_LIMIT = 3;

/** Starts a connection the way Connect's pipeline does (CheckConnection and on): true once it is usable. */
export type Probe = () => Promise<boolean>;

export class ProjectConnection {
  private state: 'down' | 'starting' | 'up' = 'down';
  private attempt?: Promise<boolean>;
  readonly errors = new RateCounter(CONNECT_ERRORS_WINDOW, { value: CONNECT_ERRORS_LIMIT, measurement: 'sum' });

  constructor(private readonly probe: Probe, private readonly readyMs: number) {}

  get status(): 'down' | 'starting' | 'up' {
    return this.state;
  }

  /** lookup_or_start_connection: undefined when the join may go on, else the reason it is refused with. */
  async lookup(): Promise<string | undefined> {
    if (this.state === 'up') return undefined;
    if (this.state === 'starting') {
      if ((await this.wait()) === 'ok') return undefined;
      return this.errors.triggered ? CONNECT_RATE_LIMIT : UNABLE_TO_CONNECT;
    }
    if (this.errors.triggered) return CONNECT_RATE_LIMIT;
    this.begin();
    const result = await this.wait();
    if (result === 'ok') return undefined;
    this.errors.add();
    return result === 'timeout' ? INITIALIZING : UNABLE_TO_CONNECT;
  }

  /** The Connect process is gone (a fault): the next join has to connect afresh. */
  drop(): void {
    this.state = 'down';
    this.attempt = undefined;
  }

  close(): void {
    this.errors.stop();
  }

  private begin(): void {
    this.state = 'starting';
    const attempt: Promise<boolean> = this.probe().catch(() => false).then((ok) => {
      // The process lives on past a caller's timeout: a late success still leaves it up.
      if (this.attempt === attempt) {
        this.state = ok ? 'up' : 'down';
        this.attempt = undefined;
      }
      return ok;
    });
    this.attempt = attempt;
  }

  /** wait_for_connection: the start's outcome, or 'timeout' after connect_connection_ready_timeout. */
  private async wait(): Promise<'ok' | 'down' | 'timeout'> {
    const attempt = this.attempt;
    if (!attempt) return this.state === 'up' ? 'ok' : 'down';
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), this.readyMs); });
    const result = await Promise.race([attempt.then((ok) => (ok ? 'ok' as const : 'down' as const)), timeout]);
    clearTimeout(timer);
    return result;
  }
}
