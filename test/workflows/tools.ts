/**
 * Where the workflow tools the tests run live (.tools/bin, installed by scripts/install-tools.sh at
 * pinned versions, which npm test runs before any workflow test) and which workflow files there are.
 * A missing or wrong tool fails the test with the install command: skipping would let CI pass
 * without ever linting or running a workflow.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../support/run-action.js'

/** The command that installs the tools. */
export const INSTALL_COMMAND = 'bash scripts/install-tools.sh'

/** Pinned versions, as scripts/install-tools.sh installs them. */
export const TOOL_VERSIONS = { actionlint: '1.7.12', act: '0.2.89', shellcheck: '0.11.0', kubeconform: '0.7.0' } as const

/** The absolute path of a pinned tool; throws with the install command when it is missing or another version. */
export function toolPath(tool: keyof typeof TOOL_VERSIONS, root: string = REPO_ROOT): string {
  const path = join(root, '.tools/bin', tool)
  const want = TOOL_VERSIONS[tool]
  if (!existsSync(path)) {
    throw new Error(`${tool} ${want} is not installed in .tools/bin; run ${INSTALL_COMMAND} (npm test runs it before the workflow tests; its output says why it failed)`)
  }
  const flag = tool === 'actionlint' ? '-version' : tool === 'kubeconform' ? '-v' : '--version'
  const result = spawnSync(path, [flag], { encoding: 'utf8' })
  const version = `${result.stdout ?? ''}`.match(/(\d+\.\d+\.\d+)/)?.[1]
  if (version !== want) {
    throw new Error(`.tools/bin/${tool} is version ${version ?? 'unknown'}, the tests expect ${want}; run ${INSTALL_COMMAND}`)
  }
  return path
}

/** The folders holding workflows, relative to the repository root. */
export const WORKFLOW_FOLDERS = ['reusable-workflows', '.github/workflows', 'example-repo/.github/workflows', 'test/workflows/fixtures'] as const

/** Every workflow file, relative to the repository root, sorted. */
export function workflowFiles(): string[] {
  const files: string[] = []
  for (const folder of WORKFLOW_FOLDERS) {
    const dir = join(REPO_ROOT, folder)
    if (!existsSync(dir)) continue
    for (const name of readdirSync(dir)) if (/\.ya?ml$/.test(name)) files.push(`${folder}/${name}`)
  }
  return files.sort()
}
