import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { ModelStore, startServer, TokenSet, type RunningServer } from '../../src/serve/index.js'

const MATRIX = 'test/fixtures/onnx/linear-regression.onnx'
const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] })

/** A raw request, so the path reaches the server exactly as written (fetch would normalise it). */
function send(url: string, method: string, path: string, payload?: string): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, path }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }))
    })
    req.on('error', reject)
    req.end(payload)
  })
}

describe('serve request paths: plain ones taken as they are, others as WHATWG URL reads them', () => {
  let store: ModelStore
  let server: RunningServer
  before(async () => {
    store = new ModelStore({ intraOpThreads: 1, sessions: 1 })
    await store.load('linear', '1', MATRIX)
    server = await startServer({ store, port: 0, inferenceTokens: new TokenSet([]), adminTokens: new TokenSet([]) })
  })
  after(async () => {
    await server.drain()
    await store.close()
  })

  it('routes a plain path, one with a query, and one with dot segments alike', async () => {
    for (const path of ['/v2/models/linear/infer', '/v2/models/linear/infer?trace=1', '/v2/models/x/../linear/infer', '/v2/./models/linear/infer']) {
      const answer = await send(server.url, 'POST', path, body)
      assert.equal(answer.status, 200, `${path}: ${answer.text}`)
      assert.equal((JSON.parse(answer.text) as { model_name: string }).model_name, 'linear')
    }
  })

  it('decodes a percent-encoded model name, and answers 404 for an unknown one', async () => {
    assert.equal((await send(server.url, 'GET', '/v2/models/%6Cinear')).status, 200)
    const unknown = await send(server.url, 'GET', '/v2/models/nope')
    assert.equal(unknown.status, 404)
    assert.match(unknown.text, /model 'nope' is not loaded/)
  })

  it('sends Content-Type, Content-Length and Server-Timing in one head', async () => {
    const answer = await send(server.url, 'POST', '/v2/models/linear/infer', body)
    assert.equal(answer.headers['content-type'], 'application/json')
    assert.equal(Number(answer.headers['content-length']), Buffer.byteLength(answer.text))
    assert.match(String(answer.headers['server-timing']), /^queue;dur=[\d.]+, compute;dur=[\d.]+$/)
  })
})
