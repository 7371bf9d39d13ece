/**
 * `presence-sandbox validate`: every problem `serve` would refuse a config for, found without starting
 * anything: YAML, the definition, the rules across keys, the service's own strictness (an empty file),
 * and each module's file (it resolves, and matches its `sha256:` pin). The modules are not compiled or
 * run: admission still refuses a .wasm that breaks the ABI or the limits.
 */
import { RefusalReason, type SandboxError } from '../errors.js';
import type { ConfigIssue } from './issues.js';
import { checkConfig, type ModulePaths } from './check.js';
import { pickFromHomeserver } from './homeserver.js';
import { readConfigYaml } from './load.js';
import type { HostConfig } from './schema.js';
import { DEFAULT_SERVICE, serviceSettingIssues, type ServiceSettings } from './service-options.js';
import type { BridgeSidecar } from './bridge.js';
import { readModuleFile } from '../admission/read.js';
import { checkPin } from '../admission/pin.js';
import { resolveModuleFile } from '../admission/resolve.js';
import { unservedIssue } from '../service/served-config.js';
import { isMap } from './validate.js';

export interface FileReport {
  file: string;
  issues: ConfigIssue[];
  warnings: string[];
  /** What was found, one line, for a valid file. */
  summary: string;
}

export interface SidecarReport extends FileReport {
  /** The data listener the sidecar would serve on (with no flags), when the file is valid. */
  listener?: Pick<ServiceSettings, 'host' | 'port' | 'socket' | 'tcp'>;
}

export interface HomeserverReport extends FileReport {
  bridges: { path: string; sidecars: BridgeSidecar[] }[];
}

/** A sidecar config, as `serve --config FILE` reads it. */
export async function validateSidecarConfig(file: string): Promise<SidecarReport> {
  const read = await readConfigYaml(file);
  const report: SidecarReport = { file, issues: read.issues, warnings: [], summary: '' };
  const empty = read.issues.length === 0 ? unservedIssue(file, read.text, read.document) : undefined;
  if (read.issues.length > 0 || empty) return { ...report, issues: empty ? [empty] : read.issues };
  const checked = await checkModules(read.document, read.baseDir);
  report.issues.push(...checked.issues);
  report.warnings.push(...checked.warnings);
  if (!checked.config) return report;
  // Past this point the definition accepted the file: what is left is the service's own rules.
  const none = unservedIssue(file, read.text, read.document, checked.config.modules.length);
  if (none) report.issues.push(none);
  const section = isMap(read.document) && isMap(read.document.service) ? read.document.service : {};
  const settings = { ...DEFAULT_SERVICE, ...section } as ServiceSettings;
  settings.tcp = section.socket === undefined || section.host !== undefined || section.port !== undefined;
  report.issues.push(...serviceSettingIssues(settings));
  report.listener = { host: settings.host, port: settings.port, socket: settings.socket, tcp: settings.tcp };
  report.summary = modulesSummary(checked.config);
  return report;
}

/** A whole homeserver.yaml: the bridge's entries and any sandbox entries it carries (homeserver.ts). */
export async function validateHomeserver(file: string): Promise<HomeserverReport> {
  const read = await readConfigYaml(file);
  const report: HomeserverReport = { file, issues: read.issues, warnings: [], summary: '', bridges: [] };
  if (read.issues.length > 0) return report;
  const pick = pickFromHomeserver(read.document);
  report.issues.push(...pick.issues);
  report.bridges = pick.bridges;
  const parts = pick.bridges.map((b) => `${b.path} (presence_sandbox_synapse) -> ${b.sidecars.map((s) => s.url).join(', ') || '?'}`);
  if (Object.keys(pick.document).some((k) => k !== 'modules') || pick.modulePaths.length > 0) {
    const checked = await checkModules(pick.document, read.baseDir, pick.modulePaths);
    report.issues.push(...checked.issues);
    report.warnings.push(...checked.warnings);
    if (checked.config && checked.config.modules.length > 0) parts.push(`sandbox ${modulesSummary(checked.config)}`);
  }
  if (pick.skipped.length > 0) parts.push(`skipped (not presence-sandbox's): ${pick.skipped.join(', ')}`);
  report.summary = parts.join('; ');
  return report;
}

/** Warnings for bridges that name no listener of the sidecar config validated beside them. */
export function listenerWarnings(homeserver: HomeserverReport, sidecar: SidecarReport): string[] {
  const listener = sidecar.listener;
  if (!listener) return [];
  const served = [listener.socket === undefined ? [] : [`unix:${listener.socket}`], listener.tcp ? [`http://${listener.host}:${listener.port}`] : []].flat();
  return homeserver.bridges
    .filter((b) => b.sidecars.length > 0 && !b.sidecars.some((s) => (s.socket !== undefined ? s.socket === listener.socket : listener.tcp && s.port === listener.port)))
    .map((b) => `${b.path}.config.url names no listener of ${sidecar.file} (it serves ${served.join(' and ')}); Synapse would not reach this sidecar`);
}

async function checkModules(document: unknown, baseDir: string, modulePaths?: ModulePaths) {
  const checked = checkConfig(document, baseDir, modulePaths);
  if (!checked.config) return checked;
  const issues: ConfigIssue[] = [];
  for (const spec of checked.config.modules) {
    try {
      const file = resolveModuleFile(spec, baseDir);
      if (spec.sha256 !== undefined) checkPin(spec, file, await readModuleFile(file, spec.label, spec.limits.max_module_bytes));
    } catch (err) {
      const pin = (err as SandboxError).reason === RefusalReason.SHA256_MISMATCH;
      issues.push({ path: `${spec.path}.${pin ? 'sha256' : 'module'}`, message: (err as Error).message });
    }
  }
  return { ...checked, issues };
}

function modulesSummary(config: HostConfig): string {
  const n = config.modules.length;
  return `${n} ${n === 1 ? 'module' : 'modules'}${n > 0 ? `: ${config.modules.map((m) => m.label).join(', ')}` : ''}`;
}
