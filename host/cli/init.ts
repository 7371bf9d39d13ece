/** `presence-sandbox init DIR`: a module author's project, ready for `npm install` and `build`. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { packageRoot } from '../paths.js';
import { templateFiles } from './init-template.js';
import { UsageError, type Command } from './usage.js';

export const initCommand: Command = {
  name: 'init',
  summary: 'start a module project (router, config, unit test, README) in DIR',
  usage: `Usage: presence-sandbox init [DIR]

Writes a module author's project into DIR (default: the current folder), which must be empty or absent:
  index.ts               a presence router: a route table of the guest SDK (presence-sandbox/guest-sdk)
  presence-sandbox.yaml  the module and its config, as an operator serves it
  states.json            a batch of presence states to try it on (route --states states.json)
  test/router.test.mjs   a unit test through the real host (npm test)
  package.json           devDependencies presence-sandbox and assemblyscript; scripts build and test
  asconfig.json          extends presence-sandbox/asconfig.json; tsconfig.json for editors
  README.md, .gitignore
Then: cd DIR && npm install && npx presence-sandbox build .

Options:
  -h, --help   show this help`,
  options: {},
  positional: 'dir',
  async run(values) {
    const dir = resolve(typeof values.dir === 'string' ? values.dir : '.');
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new UsageError(`init: ${dir} is not empty; give a new or empty folder`);
    }
    const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
      version: string;
      peerDependencies: { assemblyscript: string };
    };
    const files = templateFiles(projectName(dir), {
      presenceSandbox: manifest.version,
      assemblyscript: manifest.peerDependencies.assemblyscript,
    });
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content, { flag: 'wx' });
    }
    process.stdout.write(`created ${dir}: ${Object.keys(files).join(', ')}\nnext: cd ${dir} && npm install && npx presence-sandbox build .\n`);
  },
};

/** An npm package name (and the module's `name:`) from the folder's name: lower case, other runs as one `-`. */
function projectName(dir: string): string {
  return basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-._]+|-+$/g, '').slice(0, 64) || 'presence-router';
}
