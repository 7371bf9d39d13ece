// For editors only (asc never reads a .d.ts it is not given): what AssemblyScript's own
// std/assembly/index.d.ts leaves to newer TypeScript to reject. Its `declare type Number = _Float` is not
// a global interface, so TypeScript 7 gives `number` no members and flags every `i32.toString()`; and the
// runtime's __collect lives in a file index.d.ts does not reference. The SDK's index.ts references this.
/// <reference types="assemblyscript/std/assembly/rt/index.d.ts" />

interface Number {
  toString(radix?: i32): string;
}
