/**
 * Whether alerts go out at all (webhooks, Web Push): the API switch `PUT /api/armed` and the
 * MQTT topic `P/armed` set it; it is kept in the data folder so a restart does not change it.
 */
export class ArmedSwitch {
  #value: boolean;
  readonly #listeners = new Set<(armed: boolean, source: string) => void>();
  readonly #persist?: (armed: boolean) => void;

  constructor(initial: boolean, persist?: (armed: boolean) => void) {
    this.#value = initial;
    this.#persist = persist;
  }

  get value(): boolean {
    return this.#value;
  }

  /** Sets the switch; returns whether it changed. `source` says who (for listeners and logs). */
  set(armed: boolean, source: string): boolean {
    if (armed === this.#value) return false;
    this.#value = armed;
    try {
      this.#persist?.(armed);
    } catch (err) {
      console.error(`vigil: could not keep the armed switch: ${(err as Error).message}`);
    }
    for (const fn of this.#listeners) {
      try {
        fn(armed, source);
      } catch (err) {
        console.error(`vigil: armed listener failed: ${(err as Error).message}`);
      }
    }
    return true;
  }

  onChange(fn: (armed: boolean, source: string) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
}
