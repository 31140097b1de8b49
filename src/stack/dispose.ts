/**
 * `await using stack = await Stack.up(...)` needs `Symbol.asyncDispose`. Node 20.4+ defines it; older runtimes
 * (and some bundlers' targets) do not, and TypeScript's downlevelled `using` looks it up at run time, so define it
 * when missing, with the well-known name other polyfills use, before the Stack class is declared.
 */
const symbols = Symbol as unknown as { asyncDispose?: symbol; dispose?: symbol };
if (typeof symbols.asyncDispose !== 'symbol') {
  Object.defineProperty(Symbol, 'asyncDispose', { value: Symbol.for('Symbol.asyncDispose'), configurable: false, writable: false });
}
if (typeof symbols.dispose !== 'symbol') {
  Object.defineProperty(Symbol, 'dispose', { value: Symbol.for('Symbol.dispose'), configurable: false, writable: false });
}

/** The symbol `await using` calls (always defined once this module is loaded). */
export const asyncDisposeSymbol: typeof Symbol.asyncDispose = Symbol.asyncDispose;
