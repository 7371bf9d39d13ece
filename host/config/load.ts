/** Read a YAML config file into a `HostConfig`; relative module paths resolve against the file's folder. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ErrorCode, SandboxError } from '../errors.js';
import { issuesError, type ConfigIssue } from './issues.js';
import { parseConfig } from './parse.js';
import type { HostConfig } from './schema.js';

export async function loadConfigFile(file: string): Promise<HostConfig> {
  const { document, baseDir } = await readConfigDocument(file);
  return parseConfig(document, baseDir);
}

/** The file's text and its YAML as plain data, before validation (the service checks it is not empty). */
export async function readConfigDocument(file: string): Promise<{ text: string; document: unknown; baseDir: string }> {
  const read = await readConfigYaml(file);
  if (read.issues.length > 0) throw issuesError(read.issues);
  return read;
}

/** The same, with every YAML error as an issue (`validate` reports them all) instead of throwing the first. */
export async function readConfigYaml(file: string): Promise<{ text: string; document: unknown; baseDir: string; issues: ConfigIssue[] }> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SandboxError(ErrorCode.CONFIG_UNREADABLE, `cannot read config ${file}: ${(err as Error).message}`);
  }
  // Duplicate keys are errors: YAML would keep one silently and the operator would not know which.
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  const issues = doc.errors.map((problem) => {
    const line = problem.pos === undefined ? undefined : lines.linePos(problem.pos[0]);
    return { path: line ? `${file}:${line.line}:${line.col}` : file, message: `invalid YAML: ${problem.message.split('\n')[0]}` };
  });
  const document = issues.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 });
  return { text, document, baseDir: dirname(path), issues };
}
