/** Sizes for a person to read, in the CLI's report and check's headroom. */

const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * Linear memory is whole 64 KiB pages, so KiB are exact below a MiB; MiB to one decimal from there.
 * @example byteSize(196608) === '192 KiB'; byteSize(128 * 1024 * 1024) === '128 MiB'
 */
export function byteSize(bytes: number): string {
  if (bytes < MIB) return `${Math.round(bytes / KIB)} KiB`;
  return `${Math.round((10 * bytes) / MIB) / 10} MiB`;
}
