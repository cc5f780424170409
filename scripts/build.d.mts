// Types for scripts/build.mjs (plain JavaScript so `npm run build` needs nothing but node and esbuild).

/** One bundle to make: from a file (`entry`) or generated source (`contents`), written to dist/`out`. */
export interface BuildEntry {
  name: string
  out: string
  entry?: string
  contents?: string
}

export const REPO_ROOT: string
export const NATIVE_DIR: string
export function findEntries(root?: string): Promise<BuildEntry[]>
export function bundle(options?: { root?: string; entries?: BuildEntry[] }): Promise<Map<string, Uint8Array>>
export function build(options?: { root?: string; outdir?: string; entries?: BuildEntry[] }): Promise<{ written: string[]; removed: string[] }>
export function listFiles(dir: string): Promise<string[]>
