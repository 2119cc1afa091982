#!/usr/bin/env node
// The `tripline` binary. npm links a package's bin only if the file exists when it installs, and in
// a fresh checkout (`npm ci && npm run build`) dist/ does not exist yet: so the bin is this small
// committed file, and the CLI itself is dist/cli.js (built from src/cli.ts).
try {
  await import('../dist/cli.js');
} catch (error) {
  const missing = error?.code === 'ERR_MODULE_NOT_FOUND' ? String(error.url ?? '') : '';
  // In a workspace checkout, dist/cli.js or a @tripline package's dist/ is missing until the build ran.
  if (missing.endsWith('/dist/cli.js') || /\/@tripline\/[^/]+\/dist\//.test(missing)) {
    process.stderr.write(`tripline: the command line is not built yet (missing ${missing}): run npm run build\n`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
