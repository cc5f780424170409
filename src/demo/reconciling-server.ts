/**
 * The demo's server: `modelship serve --environment staging` following a clone of the demo's
 * remote, as a production server follows its repository. The demo waits on the lines it prints on
 * stderr (never a fixed sleep) and pokes it to fetch at once instead of waiting for its poll.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'

/** A reconciling server process and the lines it has printed. */
export class ReconcilingServer {
  readonly lines: string[] = []
  private waiters: Array<{ pattern: RegExp; from: number; resolve: (line: string) => void; reject: (e: Error) => void }> = []
  private exitedWith: string | undefined
  private readonly exited: Promise<void>

  private constructor(
    readonly child: ChildProcess,
    private readonly adminToken: string,
    public url = '',
  ) {
    let buffer = ''
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (chunk: string) => {
      buffer += chunk
      let at: number
      while ((at = buffer.indexOf('\n')) >= 0) {
        this.lines.push(buffer.slice(0, at))
        buffer = buffer.slice(at + 1)
      }
      this.check()
    })
    this.exited = new Promise((resolve) => {
      const done = (why: string) => {
        this.exitedWith ??= why
        for (const w of this.waiters.splice(0)) w.reject(this.exitError(w.pattern))
        resolve()
      }
      child.once('exit', (code, signal) => done(`exited ${signal ?? code}`))
      child.once('error', (error) => done(`could not start (${error.message})`))
    })
  }

  /**
   * Starts the server on a free loopback port following `environment` in the clone `repoDir`, and
   * resolves once it listens. `onChild` gets the process at once, so Ctrl-C can stop it mid-start.
   */
  static async start(cliArgv: readonly string[], repoDir: string, environment: string, onChild: (child: ChildProcess) => void): Promise<ReconcilingServer> {
    const [command, ...args] = cliArgv
    // The admin token lets the demo poke the server; it lives only as long as this process.
    const adminToken = randomBytes(24).toString('hex')
    // Started from this process's folder, where its --import flags (tsx under npm run) resolve.
    // Hourly polls: every change is followed through a poke, right after the demo pushes it.
    const child = spawn(command!, [...args, 'serve', '--environment', environment, '--repo', repoDir, '--backend', 'local', '--port', '0', '--poll', '3600'], {
      // No GitHub token: a token in the user's environment must not send deployment statuses anywhere.
      env: { ...process.env, MODELSHIP_SERVE_ADMIN_TOKENS: adminToken, GITHUB_TOKEN: '', MODELSHIP_GITHUB_TOKEN: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    onChild(child)
    const server = new ReconcilingServer(child, adminToken)
    const line = await server.waitFor(new RegExp(`^serving environment ${environment} .* on (http://\\S+)`))
    server.url = /on (http:\/\/\S+)/.exec(line)![1]!
    return server
  }

  /** Index of the next line: `waitFor(pattern, mark)` matches only lines printed after now. */
  get mark(): number {
    return this.lines.length
  }

  /** The first line from `from` on (printed or to come) that matches; rejects if the server exits first. */
  waitFor(pattern: RegExp, from = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ pattern, from, resolve, reject })
      this.check()
      if (this.exitedWith && this.waiters.some((w) => w.resolve === resolve)) {
        this.waiters = this.waiters.filter((w) => w.resolve !== resolve)
        reject(this.exitError(pattern))
      }
    })
  }

  /** Asks the server to fetch the desired state now (POST /v2/repository/reconcile). */
  async poke(): Promise<void> {
    const response = await fetch(`${this.url}/v2/repository/reconcile`, { method: 'POST', headers: { authorization: `Bearer ${this.adminToken}` } })
    if (response.status !== 202) throw new Error(`the server refused the poke with ${response.status}: ${await response.text()}`)
  }

  /** SIGTERM, resolved once the process has exited. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM')
    await this.exited
  }

  /** The server's last lines, for a failure message. */
  tail(count = 20): string {
    return this.lines.slice(-count).join('\n')
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      const line = this.lines.slice(w.from).find((l) => w.pattern.test(l))
      if (line === undefined) return true
      w.resolve(line)
      return false
    })
  }

  private exitError(pattern: RegExp): Error {
    return new Error(`modelship serve ${this.exitedWith} before printing a line matching ${pattern}; its last lines:\n${this.tail()}`)
  }
}
