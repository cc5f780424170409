import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, it } from 'node:test'
import { tableFromIPC } from 'apache-arrow'

const CLI = resolve('src/cli/main.ts')
const MATRIX = resolve('test/fixtures/onnx/linear-regression.onnx')

/** A `modelship serve` process whose stderr lines can be waited for. */
class ServeProcess {
  readonly lines: string[] = []
  private waiters: Array<{ pattern: RegExp; resolve(line: string): void }> = []
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

  constructor(readonly child: ChildProcess) {
    let partial = ''
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n')
      partial = parts.pop()!
      for (const line of parts) {
        this.lines.push(line)
        for (const w of this.waiters.filter((x) => x.pattern.test(line))) {
          this.waiters.splice(this.waiters.indexOf(w), 1)
          w.resolve(line)
        }
      }
    })
    this.exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })))
  }

  /** Resolves with the first line (seen or still to come) matching `pattern`; fails if the process exits first. */
  waitFor(pattern: RegExp): Promise<string> {
    const seen = this.lines.find((l) => pattern.test(l))
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      this.waiters.push({ pattern, resolve })
      void this.exited.then(() => reject(new Error(`exited before printing ${pattern}:\n${this.lines.join('\n')}`)))
    })
  }
}

describe('modelship serve on SIGTERM (a real process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-sigterm-'))
  let server: ServeProcess | undefined
  after(() => {
    // Never leave a server behind, even when an assertion failed half-way.
    if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  it('finishes the request in flight, flushes the prediction log and exits 0', async () => {
    const logDir = join(dir, 'predictions')
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--model', `linear=${MATRIX}`, '--port', '0', '--prediction-log-dir', logDir, '--no-batching'], {
      cwd: resolve('.'),
      env: { ...process.env, MODELSHIP_SERVE_TOKENS: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    server = new ServeProcess(child)
    const url = new URL(/on (http:\/\/\S+)/.exec(await server.waitFor(/^serving linear on http:/))![1]!)

    // A request whose body is only half sent is in flight: admitted, not answered.
    const body = JSON.stringify({ id: 'in-flight', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] })
    const socket = connect(Number(url.port), url.hostname)
    await new Promise<void>((done) => socket.once('connect', () => done()))
    const answer = new Promise<string>((done) => {
      let text = ''
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
      socket.once('close', () => done(text))
    })
    socket.write(`POST /v2/models/linear/infer HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`)
    // The server's own gauge says when it has admitted the request: a signal, not a sleep.
    for (;;) {
      const metrics = await (await fetch(`${url.origin}/metrics`)).text()
      if (/^modelship_serve_queue_depth 1$/m.test(metrics)) break
    }

    child.kill('SIGTERM')
    await server.waitFor(/^SIGTERM: draining/)
    // Draining: no new connections are taken.
    await assert.rejects(fetch(`${url.origin}/v2/health/live`))
    socket.write(body.slice(10))
    const response = await answer
    assert.match(response, /^HTTP\/1\.1 200 OK\r\n/)
    assert.match(response, /"id":"in-flight"/)
    assert.match(response, /Connection: close/i)

    const exit = await server.exited
    assert.deepEqual(exit, { code: 0, signal: null }, server.lines.join('\n'))
    assert.ok(server.lines.includes('drained; exiting'))
    const files = readdirSync(join(logDir, 'linear', '1'))
    assert.equal(files.length, 1)
    assert.match(files[0]!, /^predictions-\d{8}T\d{6}Z-000000\.arrow$/)
    const table = tableFromIPC(readFileSync(join(logDir, 'linear', '1', files[0]!)))
    assert.deepEqual(table.toArray().map((r) => [r.request_id, r['input[0]'], r['input[2]']]), [['in-flight', 1, 3]])
  })
})
