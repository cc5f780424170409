/** Running under `act` (nektos/act) on a laptop: no GitHub to talk to unless a token is passed. */

/** True under `act` (ACT=true) with no token from the input or GITHUB_TOKEN: a local run, with no GitHub to talk to. */
export function actWithoutToken(vars: Readonly<Record<string, string | undefined>>, token: string | undefined): boolean {
  return vars.ACT === 'true' && !token?.trim() && !vars.GITHUB_TOKEN?.trim()
}
