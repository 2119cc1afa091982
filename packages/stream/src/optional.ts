/**
 * Loading a broker client library that is an optional peer dependency of `@tripline/stream`: the
 * adapters import it when they start (`import()`), so the runtime and the other adapters work without
 * it, and a missing library is one `broker-client-missing` error that says what to install.
 */
import { ERROR_CODES, TriplineError } from '@tripline/core';

const NOT_FOUND = /cannot find (module|package)|could not resolve|failed to resolve|module not found/i;

/**
 * Runs `load` (an `import()` of `name`); a module-not-found error for `name` becomes
 * `broker-client-missing` naming the packages to install. Other errors pass unchanged.
 */
export async function importOptional<T>(
  name: string,
  adapter: string,
  install: readonly string[],
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : '';
    // Node says ERR_MODULE_NOT_FOUND (import) or MODULE_NOT_FOUND (require); bundlers and test runners
    // (Vite, webpack) throw without a code, with a message naming the package.
    const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || NOT_FOUND.test(message);
    if (notFound && message.includes(name)) {
      throw new TriplineError(
        ERROR_CODES.BROKER_CLIENT_MISSING,
        `the ${adapter} adapter needs the package ${name}, which is not installed: npm install ${install.join(' ')}`,
        { details: { adapter, package: name, install: [...install] }, cause: error },
      );
    }
    throw error;
  }
}
