/**
 * The other sandboxes are devDependencies (only this benchmark uses them, so an operator's install never
 * builds isolated-vm natively): where one is absent (`npm ci --omit=dev`, removed by hand) or its native
 * binary does not load, the benchmark says so instead of failing. The specifier is a variable so that tsc
 * does not need their types either; the few calls made are typed in other-sandboxes.ts.
 */
export type Loaded<T> = { ok: true; module: T } | { ok: false; reason: string };

export async function loadOptional<T>(name: string): Promise<Loaded<T>> {
  try {
    const module = (await import(name)) as { default?: T } & T;
    return { ok: true, module: (module.default ?? module) as T };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason =
      e?.code === 'ERR_MODULE_NOT_FOUND'
        ? `${name} is not installed (a devDependency of the benchmarks: npm ci installs it, --omit=dev leaves it out)`
        : `${name} failed to load: ${e?.message ?? String(err)}`;
    return { ok: false, reason };
  }
}
