/**
 * Bounds on concurrent deliveries inside one dispatcher process: a pool for all of them, and a gate per
 * endpoint that notices slow endpoints. A healthy endpoint may have many deliveries in flight (a fast
 * receiver gets throughput); an endpoint that is slow — an HTTP request to it running longer than
 * `slowAfterMs`, or one that took that long (or timed out) within the last `slowMemoryMs` — gets only a
 * couple, and deliveries that find no slot within a short wait are handed back to the queue instead of
 * waiting. Only the request counts: a busy table must not make a healthy receiver look slow.
 * So a slow or hanging endpoint holds a bounded number of slots and never the batches of others.
 *
 * Time comes from the injected Timers port (core has no real timers).
 *
 * Must never: hand out more permits than a limit allows, or leave a waiter hanging after its deadline.
 */
import type { TimerHandle, Timers } from '../ports/timers';

export interface Permit {
  release(): void;
}

/** A counting semaphore whose waiters may give up after a deadline. */
export class Semaphore {
  private inUse = 0;
  private readonly waiters: Array<(permit: Permit) => void> = [];

  constructor(
    private readonly size: number,
    private readonly timers: Timers,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('size must be a positive integer');
  }

  /** A permit, or undefined if none was free within `waitMs` (Infinity waits as long as it takes). */
  acquire(waitMs = Infinity): Promise<Permit | undefined> {
    if (this.inUse < this.size) {
      this.inUse++;
      return Promise.resolve(this.permit());
    }
    if (waitMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const grant = (permit: Permit) => {
        timer?.cancel();
        resolve(permit);
      };
      this.waiters.push(grant);
      if (Number.isFinite(waitMs)) {
        timer = this.timers.after(waitMs, () => {
          const index = this.waiters.indexOf(grant);
          if (index >= 0) this.waiters.splice(index, 1);
          resolve(undefined);
        });
      }
    });
  }

  private permit(): Permit {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const next = this.waiters.shift();
        // Hand the permit straight to the next waiter: inUse stays the same.
        if (next) next(this.permit());
        else this.inUse--;
      },
    };
  }
}

export interface EndpointGateOptions {
  /** Deliveries in flight to a healthy endpoint. */
  perEndpoint: number;
  /** Deliveries in flight to a slow endpoint. */
  whenSlow: number;
  /** A request to the endpoint running (or having taken) longer than this marks it slow… */
  slowAfterMs: number;
  /** …for this long after it finished. */
  slowMemoryMs: number;
  timers: Timers;
}

/** A delivery slot. Only the HTTP request inside it counts towards slowness, not the store writes around it. */
export interface DeliverySlot extends Permit {
  requestStarted(): void;
  requestFinished(latencyMs: number, timedOut: boolean): void;
}

interface EndpointState {
  /** Slots in use → when their request started (undefined while not sending). */
  inFlight: Map<object, number | undefined>;
  slowUntil: number;
  waiters: Array<() => void>;
}

export class EndpointGate {
  private readonly endpoints = new Map<string, EndpointState>();

  constructor(private readonly options: EndpointGateOptions) {}

  private now(): number {
    return this.options.timers.now();
  }

  /** Whether requests to this endpoint are currently slow (one is stuck, or one was slow lately). */
  isSlow(endpointId: string): boolean {
    const state = this.endpoints.get(endpointId);
    if (!state) return false;
    const now = this.now();
    if (state.slowUntil > now) return true;
    for (const started of state.inFlight.values()) if (started !== undefined && now - started > this.options.slowAfterMs) return true;
    return false;
  }

  /** A slot for one delivery, waiting at most `waitMs` for one to free up; undefined if none did. */
  async acquire(endpointId: string, waitMs: number): Promise<DeliverySlot | undefined> {
    const state = this.state(endpointId);
    const deadline = this.now() + waitMs;
    for (;;) {
      const limit = this.isSlow(endpointId) ? this.options.whenSlow : this.options.perEndpoint;
      if (state.inFlight.size < limit) break;
      const left = deadline - this.now();
      if (left <= 0) {
        this.forgetIfIdle(endpointId, state);
        return undefined;
      }
      // Woken by a release (then re-check the limit, which may have dropped) or by the deadline.
      await new Promise<void>((resolve) => {
        let timer: TimerHandle | undefined;
        function wake() {
          timer?.cancel();
          const index = state.waiters.indexOf(wake);
          if (index >= 0) state.waiters.splice(index, 1);
          resolve();
        }
        state.waiters.push(wake);
        timer = this.options.timers.after(left, wake);
      });
    }
    const key = {};
    state.inFlight.set(key, undefined);
    let released = false;
    return {
      requestStarted: () => {
        if (!released) state.inFlight.set(key, this.now());
      },
      requestFinished: (latencyMs, timedOut) => {
        if (!released) state.inFlight.set(key, undefined);
        if (timedOut || latencyMs > this.options.slowAfterMs) state.slowUntil = this.now() + this.options.slowMemoryMs;
      },
      release: () => {
        if (released) return;
        released = true;
        state.inFlight.delete(key);
        const next = state.waiters.shift();
        // A woken waiter is about to take the slot: the state must stay the one it counts in.
        if (next) next();
        else this.forgetIfIdle(endpointId, state);
      },
    };
  }

  private state(endpointId: string): EndpointState {
    let state = this.endpoints.get(endpointId);
    if (!state) {
      state = { inFlight: new Map(), slowUntil: 0, waiters: [] };
      this.endpoints.set(endpointId, state);
    }
    return state;
  }

  private forgetIfIdle(endpointId: string, state: EndpointState): void {
    if (state.inFlight.size === 0 && state.waiters.length === 0 && state.slowUntil <= this.now()) this.endpoints.delete(endpointId);
  }
}
