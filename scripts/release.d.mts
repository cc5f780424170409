/** Types of scripts/release.mjs, for the tests. */
export function pinInternalReferences(text: string, sha: string): string
export function unpinnedReferences(text: string): string[]
