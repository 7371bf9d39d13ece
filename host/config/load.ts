/** Read a YAML config file into a `HostConfig`; relative module paths resolve against the file's folder. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ErrorCode, SandboxError, configError } from '../errors.js';
import { parseConfig } from './parse.js';
import type { HostConfig } from './schema.js';

export async function loadConfigFile(file: string): Promise<HostConfig> {
  const { document, baseDir } = await readConfigDocument(file);
  return parseConfig(document, baseDir);
}

/** The file's text and its YAML as plain data, before validation (the service checks it is not empty). */
export async function readConfigDocument(file: string): Promise<{ text: string; document: unknown; baseDir: string }> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SandboxError(ErrorCode.CONFIG_UNREADABLE, `cannot read config ${file}: ${(err as Error).message}`);
  }
  // Duplicate keys are errors: YAML would keep one silently and the operator would not know which.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const problem = doc.errors[0];
  if (problem) {
    const line = problem.linePos?.[0];
    const where = line ? `${file}:${line.line}:${line.col}` : file;
    throw configError(where, `invalid YAML: ${problem.message.split('\n')[0]}`);
  }
  return { text, document: doc.toJS({ maxAliasCount: 100 }), baseDir: dirname(path) };
}
