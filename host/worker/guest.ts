/**
 * One instance of a module in this worker: instantiation, init, and the alloc → write → call → descriptor
 * dance of docs/abi.md. Everything the guest returns is checked before it is believed.
 */
import { FaultCode, RefusalReason } from '../errors.js';
import { ABI_VERSION, Export } from '../protocol/abi.js';
import { GuestFailure, badOutput } from './guest-failure.js';
import { GuestMemory } from './guest-memory.js';
import { readUtf8Cut } from './guest-text.js';
import { createImports, type CallRecord } from './imports.js';

/** Longest init error message shown to the operator. */
const MAX_INIT_MESSAGE_BYTES = 4096;

type Callback = (ptr: number, len: number) => number;
type Alloc = (size: number) => number;

export class Guest {
  /** Logs and sends of the call in progress; a fresh record per call. */
  record: CallRecord = { logs: [], sends: [] };
  private readonly memory: GuestMemory;
  private readonly alloc: Alloc;
  private readonly init: Callback;
  readonly usersForStates: Callback | undefined;
  readonly interestedUsers: Callback | undefined;

  /** Instantiates (running the module's start function) and checks the exports' runtime shape. */
  constructor(
    module: WebAssembly.Module,
    private readonly maxOutputBytes: number,
  ) {
    let memory: GuestMemory | undefined;
    const imports = createImports(
      () => {
        if (memory === undefined) throw badOutput('host imports cannot be called from the start function');
        return memory;
      },
      () => this.record,
    );
    const exports = this.enter('the start function', () => new WebAssembly.Instance(module, imports).exports);
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

  /** Runs init with the msgpack config; a config the module refuses becomes CONFIG_REJECTED with its message. */
  runInit(config: Uint8Array): void {
    const result = this.call(this.init, config, Export.INIT);
    if (result === 0) return;
    // The whole range is checked against memory before the message is cut to what is shown.
    const message = this.readDescriptor(result, Export.INIT, Infinity);
    const { text, cut } = readUtf8Cut(message, MAX_INIT_MESSAGE_BYTES, 'init error message');
    throw new GuestFailure(RefusalReason.CONFIG_REJECTED, cut ? `${text}…` : text);
  }

  /** Calls a callback with `input`; returns a view of the result bytes, valid until the guest runs again. */
  invoke(callback: Callback, input: Uint8Array, name: string): Uint8Array {
    return this.readDescriptor(this.call(callback, input, name), name, this.maxOutputBytes);
  }

  private call(callback: Callback, input: Uint8Array, name: string): number {
    const ptr = this.enter(Export.ALLOC, () => this.alloc(input.byteLength) >>> 0);
    if (ptr === 0) throw badOutput(`${Export.ALLOC}(${input.byteLength}) returned 0`);
    this.memory.write(ptr, input, `${Export.ALLOC}(${input.byteLength}) for ${name}`);
    return this.enter(name, () => callback(ptr, input.byteLength) >>> 0);
  }

  /**
   * Runs guest code. If a host import failed the call meanwhile, the call fails with that import's
   * failure, however the guest code ended: by the import's own throw, by a later trap of its own, or by
   * returning normally after catching the throw (exception handling).
   */
  private enter<T>(where: string, run: () => T): T {
    let value: T;
    try {
      value = run();
    } catch (err) {
      throw this.record.failure ?? err;
    }
    const failure = this.record.failure;
    if (failure === undefined) return value;
    if (!(failure instanceof GuestFailure)) throw failure;
    throw new GuestFailure(failure.code, `${failure.message} (caught by the module in ${where}, which went on: the call fails all the same)`);
  }

  /**
   * The 8-byte descriptor and a view of the range it names (nothing copied). The length is checked
   * against the cap, then the range against memory, before a byte of output is read.
   */
  private readDescriptor(descriptor: number, name: string, cap: number): Uint8Array {
    const ptr = this.memory.readU32(descriptor, `${name} result descriptor`);
    const len = this.memory.readU32(descriptor + 4, `${name} result descriptor`);
    if (len > cap) throw new GuestFailure(FaultCode.OUTPUT_TOO_LARGE, `${name} result of ${len} bytes exceeds the cap of ${cap}`);
    return this.memory.view(ptr, len, `${name} result`);
  }
}
