// typedoc plugin (typedoc.json "plugin"): names each entry-point module after the npm package a user
// imports (`@tripline/core`, `@tripline/core/testing`, `tripline`) instead of its folder (`core/src`).
// A module that is not `<package folder>/src[/<subpath>]` fails the run: the API docs must not name a
// module by its folder again.
import { readFileSync } from 'node:fs';
import { Converter, ReflectionKind } from 'typedoc';

/** `core/src` → `@tripline/core`; `core/src/testing` → `@tripline/core/testing`. */
export function packageModuleName(folderName, readManifest) {
  const m = /^([\w-]+)\/src(?:\/([\w/-]+))?$/.exec(folderName);
  if (!m) return undefined;
  const pkg = readManifest(m[1]).name;
  return m[2] && m[2] !== 'index' ? `${pkg}/${m[2]}` : pkg;
}

const manifest = (folder) =>
  JSON.parse(readFileSync(new URL(`../packages/${folder}/package.json`, import.meta.url), 'utf8'));

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const name = packageModuleName(mod.name, manifest);
      if (name === undefined) app.logger.error(`typedoc-package-names: no package for module ${mod.name}`);
      else mod.name = name;
    }
  });
}
