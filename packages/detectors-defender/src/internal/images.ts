/**
 * What a process image is, by its file name (and, for macOS system components, its path and signer):
 * shells, script interpreters, wrappers, container runtimes and service launchers. Detectors use it to
 * tell an exec that is a launcher doing its job from one worth a look, and to map ATT&CK only where
 * the technique is actually involved.
 */
import type { MdeEvent } from '@tripline/core';
import { basename } from './text.js';

/** Unix shell images (a process of one of these that replaces itself ran a command for a script or `sh -c`). */
export const SHELL_IMAGES: ReadonlySet<string> = new Set([
  'sh',
  'dash',
  'bash',
  'rbash',
  'zsh',
  'ksh',
  'ksh93',
  'mksh',
  'pdksh',
  'oksh',
  'ash',
  'busybox',
  'yash',
  'posh',
  'fish',
  'csh',
  'tcsh',
]);

/**
 * Container runtimes: the shim forks and execs `runc`/`crun`, which execs the container's entrypoint in
 * place — every container start on a Docker or Kubernetes node is one or two execs of this kind.
 */
const CONTAINER_RUNTIMES: ReadonlySet<string> = new Set([
  'containerd',
  'containerd-shim',
  'docker-containerd-shim',
  'runc',
  'docker-runc',
  'crun',
  'runsc',
  'youki',
  'conmon',
  'docker-init',
  'tini',
  'tini-static',
  'dumb-init',
  'catatonit',
]);

/**
 * Service launchers: macOS `xpcproxy` (launchd's exec helper) and `launchd`, and systemd's exec path
 * (`systemd` before v255, `systemd-executor` since, `(sd-pam)` for user sessions), and a SysV `init`.
 */
const SERVICE_LAUNCHERS: ReadonlySet<string> = new Set([
  'xpcproxy',
  'launchd',
  'systemd',
  'systemd-executor',
  '(sd-pam)',
  'sd-pam',
  '(sd-executor)',
  'init',
]);

/** Wrappers whose whole job is to exec their argument (with a new priority, identity, root, limit…). */
const WRAPPERS: ReadonlySet<string> = new Set([
  'env',
  'nice',
  'nohup',
  'timeout',
  'stdbuf',
  'ionice',
  'taskset',
  'chrt',
  'setsid',
  'sudo',
  'su',
  'runuser',
  'doas',
  'chroot',
  'flock',
  'unshare',
  'nsenter',
  'setpriv',
  'numactl',
  'prlimit',
  'jspawnhelper',
]);

/** A script interpreter, with the ATT&CK technique for running commands through it (if ATT&CK has one). */
export interface Interpreter {
  readonly language: string;
  /** `T1059.006` for Python, `T1059.007` for JavaScript, `T1059.011` for Lua, `T1059` for the others. */
  readonly technique: string;
}

const INTERPRETERS: readonly { readonly re: RegExp; readonly language: string; readonly technique: string }[] = [
  // Names are short (a file name): each pattern is anchored, with bounded version suffixes.
  { re: /^(?:python|pypy)[0-9]{0,2}(?:\.[0-9]{1,3}){0,2}[a-z]?$/, language: 'Python', technique: 'T1059.006' },
  { re: /^(?:node|nodejs|deno|bun)$/, language: 'JavaScript', technique: 'T1059.007' },
  { re: /^(?:lua|luajit)[0-9]{0,2}(?:\.[0-9]{1,3})?$/, language: 'Lua', technique: 'T1059.011' },
  { re: /^perl[0-9]{0,2}(?:\.[0-9]{1,3}){0,2}$/, language: 'Perl', technique: 'T1059' },
  { re: /^ruby[0-9]{0,2}(?:\.[0-9]{1,3}){0,2}$/, language: 'Ruby', technique: 'T1059' },
  { re: /^php(?:-cgi|-fpm)?[0-9]{0,2}(?:\.[0-9]{1,3})?$/, language: 'PHP', technique: 'T1059' },
  { re: /^(?:tclsh|wish)[0-9]{0,2}(?:\.[0-9]{1,3})?$/, language: 'Tcl', technique: 'T1059' },
  { re: /^(?:osascript)$/, language: 'AppleScript', technique: 'T1059.002' },
];

/** Lower-cased file name of an image path. */
export function imageName(path: string): string {
  return basename(path).toLowerCase();
}

export function isShellImage(name: string): boolean {
  return SHELL_IMAGES.has(name.toLowerCase());
}

export function isContainerRuntime(name: string): boolean {
  const n = name.toLowerCase();
  return CONTAINER_RUNTIMES.has(n) || n.startsWith('containerd-shim-');
}

export function isServiceLauncher(name: string): boolean {
  return SERVICE_LAUNCHERS.has(name.toLowerCase());
}

export function isWrapper(name: string): boolean {
  return WRAPPERS.has(name.toLowerCase());
}

export function interpreterOf(name: string): Interpreter | undefined {
  const n = name.toLowerCase();
  if (n.length > 40) return undefined;
  for (const i of INTERPRETERS) if (i.re.test(n)) return { language: i.language, technique: i.technique };
  return undefined;
}

/** Read-only locations of the sealed macOS system volume (SIP): nothing there can be replaced at run time. */
const MACOS_SEALED = ['/system/', '/usr/libexec/', '/usr/bin/', '/usr/sbin/', '/bin/', '/sbin/'];

/**
 * A macOS system component handing over to another: the initiating image lives under `/System/`, the
 * new image in the sealed system volume, and Defender reports the initiating image as signed by the OS
 * vendor (when the row carries those columns, they must say `OsVendor` and `Valid`).
 */
export function isMacosSystemHandoff(event: MdeEvent, fromPath: string, toPath: string): boolean {
  const from = fromPath.toLowerCase();
  const to = toPath.toLowerCase();
  if (!from.startsWith('/system/') || !MACOS_SEALED.some((p) => to.startsWith(p))) return false;
  const signer = event.str('InitiatingProcessSignerType');
  const status = event.str('InitiatingProcessSignatureStatus');
  if (signer !== undefined && signer.toLowerCase() !== 'osvendor') return false;
  if (status !== undefined && status.toLowerCase() !== 'valid') return false;
  return true;
}
