import { seededRandom } from "../src/media/seededRandom";

/** A fault the history injected: its ordinal among all fault draws, and what it was. */
export interface FiredFault {
  index: number;
  label: string;
}

/**
 * The one source of randomness of a history. Scheduling choices and faults are drawn apart: every
 * fault draw has an ordinal, and a replay may switch chosen ordinals off (that is how a failing
 * history is shrunk) while every draw still consumes exactly one number, so the rest of the history
 * stays as close as it can.
 */
export class SimRandom {
  private readonly next: () => number;
  private faultDraws = 0;
  readonly fired: FiredFault[] = [];
  /** While false, every fault draw answers no (the recovery phase: sweeps only). */
  faultsOn = true;

  constructor(
    seed: number,
    private readonly faultsOff: ReadonlySet<number> = new Set(),
  ) {
    this.next = seededRandom(seed);
  }

  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  /** A fault with probability p; recorded when it fires. */
  fault(p: number, label: string): boolean {
    const index = this.faultDraws++;
    const hit = this.next() < p;
    if (!hit || !this.faultsOn || this.faultsOff.has(index)) return false;
    this.fired.push({ index, label });
    return true;
  }
}
