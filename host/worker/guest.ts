/**
 * One instance of a module in this worker: instantiation, init, and the alloc → write → call → descriptor
 * dance of docs/abi.md. Everything the guest returns is checked before it is believed.
 */
import { FaultCode, RefusalReason } from '../errors.js';
import { ABI_VERSION, Export, FUEL_EXPORT, START_EXPORT } from '../protocol/abi.js';
import type { CallMeasure, FuelBudget } from '../protocol/envelopes.js';
import { GuestFailure, badOutput } from './guest-failure.js';
import { GuestMemory } from './guest-memory.js';
import { readUtf8Cut } from './guest-text.js';
import { createImports, type CallRecord } from './imports.js';

/** Longest init error message shown to the operator. */
const MAX_INIT_MESSAGE_BYTES = 4096;

type Callback = (ptr: number, len: number) => number;
type Alloc = (size: number) => number;
type Spent = Omit<CallMeasure, 'memoryBytes' | 'entries'>;

const nothingSpent = (): Spent => ({ wallMs: 0, inputBytes: 0, outputBytes: 0 });

export class Guest {
  /** Logs and sends of the call in progress; a fresh record per call. */
  record: CallRecord = { logs: [], sends: [] };
  /** The start function and init of this instance, measured (set by runInit). */
  initMeasure: CallMeasure | undefined;
  /** What guest code did since the last takeMeasure(): every entry into it is timed (enter()). */
  private measured: Spent = nothingSpent();
  private readonly memory: GuestMemory;
  private readonly alloc: Alloc;
  private readonly init: Callback;
  readonly usersForStates: Callback | undefined;
  readonly interestedUsers: Callback | undefined;
  /** The fuel counter (admission/fuel-meter.ts): fuel left; undefined when the module is not metered. */
  private readonly fuel: WebAssembly.Global | undefined;
  /** What the counter was set to, and which limit set it (for the message when it runs out). */
  private budget = 0;
  private budgetName = '';
  /** The per-call budget as the counter holds it, made once rather than per call. */
  private readonly perCallCounter: bigint;
  /** Fuel used by start and init together (null: not metered). */
  initFuelUsed: number | null = null;

  /**
   * Instantiates (running the module's start function) and checks the exports' runtime shape.
   * @param measuring whether calls are measured (CallMeasure): only for per-call reports
   */
  constructor(
    module: WebAssembly.Module,
    private readonly maxOutputBytes: number,
    private readonly fuelBudget?: FuelBudget,
    private readonly measuring = true,
  ) {
    this.perCallCounter = BigInt(fuelBudget?.perCall ?? 0);
    let memory: GuestMemory | undefined;
    const imports = createImports(
      () => {
        if (memory === undefined) throw badOutput('host imports cannot be called from the start function');
        return memory;
      },
      () => this.record,
    );
    const exports = this.enter('the start function', () => new WebAssembly.Instance(module, imports).exports);
    const fuel = exports[FUEL_EXPORT];
    if (fuelBudget !== undefined) {
      if (!(fuel instanceof WebAssembly.Global)) throw new GuestFailure(FaultCode.TRAP, `the metered module has no ${FUEL_EXPORT}`);
      this.fuel = fuel;
      // A metered module's start function is an export (fuel-meter.ts): run here, as instantiation would
      // have, but with the counter set, and before memory is handed to the imports.
      this.meter(fuelBudget.init, 'sandbox.max_fuel_init');
      const start = exports[START_EXPORT] as (() => void) | undefined;
      if (start !== undefined) this.enter('the start function', start);
    }
    const version = exports[Export.ABI_VERSION];
    // The function form (ABI 1.1) is never called: admission read its constant body and checked it.
    const value = version instanceof WebAssembly.Global ? version.value : typeof version === 'function' ? ABI_VERSION : undefined;
    if (value !== ABI_VERSION) {
      throw new GuestFailure(
        RefusalReason.ABI_VERSION,
        `${Export.ABI_VERSION} is ${String(value)}; this host implements ABI version ${ABI_VERSION}`,
      );
    }
    const mem = exports[Export.MEMORY];
    if (!(mem instanceof WebAssembly.Memory)) throw new GuestFailure(RefusalReason.MISSING_EXPORT, 'memory is not a memory');
    this.memory = memory = new GuestMemory(mem);
    this.alloc = exports[Export.ALLOC] as Alloc;
    this.init = exports[Export.INIT] as Callback;
    this.usersForStates = exports[Export.USERS_FOR_STATES] as Callback | undefined;
    this.interestedUsers = exports[Export.INTERESTED_USERS] as Callback | undefined;
  }

  /** Current size of the guest's linear memory. */
  get memoryBytes(): number {
    return this.memory.byteLength;
  }

  /** Fuel used since the counter was last set (past the budget when it ran out), or null if not metered. */
  get fuelUsed(): number | null {
    return this.fuel === undefined ? null : this.budget - Number(this.fuel.value);
  }

  /** Runs init with the msgpack config; a config the module refuses becomes CONFIG_REJECTED with its message. */
  runInit(config: Uint8Array): void {
    const result = this.call(this.init, config, Export.INIT);
    this.initFuelUsed = this.fuelUsed;
    if (result === 0) {
      this.initMeasure = this.takeMeasure(0);
      return;
    }
    // The whole range is checked against memory before the message is cut to what is shown.
    const message = this.readDescriptor(result, Export.INIT, Infinity);
    const { text, cut } = readUtf8Cut(message, MAX_INIT_MESSAGE_BYTES, 'init error message');
    throw new GuestFailure(RefusalReason.CONFIG_REJECTED, cut ? `${text}…` : text);
  }

  /** Calls a callback with `input`; returns a view of the result bytes, valid until the guest runs again. */
  invoke(callback: Callback, input: Uint8Array, name: string): Uint8Array {
    if (this.fuelBudget !== undefined) this.meter(this.fuelBudget.perCall, 'sandbox.max_fuel_per_call', this.perCallCounter);
    return this.readDescriptor(this.call(callback, input, name), name, this.maxOutputBytes);
  }

  /** The call's measure, from the guest code run since the last one; starts the next one. */
  takeMeasure(entries: number): CallMeasure {
    // Written out field by field: a spread object takes the structured clone's slow path (module-pool.ts withId).
    const { wallMs, inputBytes, outputBytes } = this.measured;
    const measure = { wallMs, memoryBytes: this.memoryBytes, inputBytes, outputBytes, entries };
    this.measured = nothingSpent();
    return measure;
  }

  private call(callback: Callback, input: Uint8Array, name: string): number {
    if (this.measuring) this.measured.inputBytes += input.byteLength;
    // Exports called straight, not through a closure: one fewer allocation per entry.
    const ptr = this.enter(Export.ALLOC, this.alloc, input.byteLength) >>> 0;
    if (ptr === 0) throw badOutput(`${Export.ALLOC}(${input.byteLength}) returned 0`);
    this.memory.write(ptr, input, `${Export.ALLOC}(${input.byteLength}) for ${name}`);
    return this.enter(name, callback, ptr, input.byteLength) >>> 0;
  }

  /**
   * Runs guest code. If a host import failed the call meanwhile, the call fails with that import's
   * failure, however the guest code ended: by the import's own throw, by a later trap of its own, or by
   * returning normally after catching the throw (exception handling).
   */
  private enter<T>(where: string, run: (a: number, b: number) => T, a = 0, b = 0): T {
    let value: T;
    const start = this.measuring ? performance.now() : 0;
    try {
      value = run(a, b);
    } catch (err) {
      if (this.record.failure !== undefined) throw this.record.failure;
      // The counter below zero: the meter's own check trapped (or the guest trapped after running out,
      // before reaching one). Either way the call used more than its budget.
      if (err instanceof WebAssembly.RuntimeError && this.outOfFuel) throw this.fuelExhausted(where);
      throw err;
    } finally {
      if (this.measuring) this.measured.wallMs += performance.now() - start;
    }
    // A function without calls or loops does not check (fuel-meter.ts): one may return past the budget.
    if (this.outOfFuel) throw this.fuelExhausted(where);
    const failure = this.record.failure;
    if (failure === undefined) return value;
    if (!(failure instanceof GuestFailure)) throw failure;
    throw new GuestFailure(failure.code, `${failure.message} (caught by the module in ${where}, which went on: the call fails all the same)`);
  }

  private get outOfFuel(): boolean {
    return this.fuel !== undefined && (this.fuel.value as bigint) < 0n;
  }

  private fuelExhausted(where: string): GuestFailure {
    return new GuestFailure(FaultCode.FUEL_EXHAUSTED, `ran out of fuel in ${where}: used more than ${this.budget} (${this.budgetName})`);
  }

  /** Nothing used so far (for a task that may run no guest code). */
  clearFuel(): void {
    if (this.fuel !== undefined) this.meter(0, this.budgetName, 0n);
  }

  /** Sets the counter (`counter`: `budget` as a BigInt): the guest code that runs next may use `budget` fuel. */
  private meter(budget: number, name: string, counter = BigInt(budget)): void {
    this.fuel!.value = counter;
    this.budget = budget;
    this.budgetName = name;
  }

  /**
   * The 8-byte descriptor and a view of the range it names (nothing copied). The length is checked
   * against the cap, then the range against memory, before a byte of output is read.
   */
  private readDescriptor(descriptor: number, name: string, cap: number): Uint8Array {
    const ptr = this.memory.readU32(descriptor, `${name} result descriptor`);
    const len = this.memory.readU32(descriptor + 4, `${name} result descriptor`);
    if (len > cap) throw new GuestFailure(FaultCode.OUTPUT_TOO_LARGE, `${name} result of ${len} bytes exceeds the cap of ${cap}`);
    const view = this.memory.view(ptr, len, `${name} result`);
    if (this.measuring) this.measured.outputBytes += len;
    return view;
  }
}
