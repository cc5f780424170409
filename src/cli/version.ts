/** The package version, inlined into the bundle at build time. */
import packageJson from '../../package.json' with { type: 'json' }

/** Modelship's version, from package.json. */
export const VERSION: string = packageJson.version
