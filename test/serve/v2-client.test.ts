import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { ModelStore, startServer, TokenSet, type RunningServer } from '../../src/serve/index.js'

const CHURN = 'test/fixtures/onnx/churn-classifier.onnx'
const MATRIX = 'test/fixtures/onnx/linear-regression.onnx'
const TOKEN = 'client-token-0123456789abcdef'
const SCRIPT = 'test/fixtures/serve/tritonclient_check.py'
// .ci/run installs tritonclient[http] into this venv; MODELSHIP_TRITONCLIENT_PYTHON points elsewhere.
const PYTHON = process.env.MODELSHIP_TRITONCLIENT_PYTHON ?? resolve('.tools/tritonclient-venv/bin/python')
const run = promisify(execFile)

// Response bodies are read as the loosely typed JSON a client sees.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

/** Why the tritonclient test cannot run here, or undefined when it can. */
async function missingClient(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `no tritonclient venv at ${PYTHON} (bash .ci/run installs it; or set MODELSHIP_TRITONCLIENT_PYTHON)`
  try {
    await run(PYTHON, ['-c', 'import tritonclient.http, numpy'])
    return undefined
  } catch (error) {
    return `${PYTHON} cannot import tritonclient.http: ${(error as { stderr?: string }).stderr?.trim().split('\n').at(-1) ?? String(error)}`
  }
}

describe('real clients: Triton’s tritonclient[http] and MLflow’s scoring client', () => {
  let store: ModelStore
  let server: RunningServer
  let skip: string | undefined

  before(async () => {
    skip = await missingClient()
    store = new ModelStore({ intraOpThreads: 1, sessions: 1 })
    await store.load('churn', '1', CHURN)
    await store.load('linear', '1', MATRIX)
    server = await startServer({ store, port: 0, inferenceTokens: new TokenSet([TOKEN]), adminTokens: new TokenSet([]) })
  })
  after(async () => {
    await server.drain()
    await store.close()
  })

  it('answers tritonclient in JSON and in binary mode alike, and its errors reach the client as ours', async (t) => {
    if (skip) {
      t.skip(skip)
      return
    }
    // Async: the server runs in this process and must keep answering while Python waits on it.
    const { stdout } = await run(PYTHON, [SCRIPT, new URL(server.url).host, TOKEN], { timeout: 120_000 })
    const seen: Json = JSON.parse(stdout)
    assert.equal(seen.live, true)
    assert.equal(seen.ready, true)
    assert.equal(seen.model_ready, true)
    assert.deepEqual(seen.server_extensions, ['binary_tensor_data', 'model_repository'])
    assert.deepEqual(seen.inputs[2], ['contract', 'BYTES', [-1, 1]])
    assert.deepEqual(seen.results.json, seen.results.binary)
    assert.equal(seen.results.json.label.length, 3)
    assert.equal(seen.wrong_shape.status, '400')
    assert.match(seen.wrong_shape.message, /input 'tenure': shape \[3, 2\] does not fit the model; expected datatype FP32 and shape \[-1, 1\]/)
    assert.equal(seen.no_token.status, '401')
    assert.equal(seen.no_token.message, 'missing or wrong bearer token')
    assert.equal(seen.unknown_model.status, '404')
    assert.match(seen.unknown_model.message, /model 'nope' is not loaded/)
  })

  // Bodies exactly as mlflow's ScoringServerClient.invoke sends them: dump_input_data(data, params)
  // with Content-Type application/json; a DataFrame goes as to_dict(orient="split"), index included.
  const mlflow = (body: unknown, model: string) =>
    fetch(`${server.url}/invocations`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}`, 'x-model-name': model }, body: JSON.stringify(body) })

  it('answers requests shaped as MLflow’s own client sends them', async () => {
    const frame = {
      dataframe_split: {
        index: [0, 1],
        columns: ['tenure', 'monthly_charges', 'contract', 'support_calls'],
        data: [
          [3, 70.0, 'month-to-month', 2],
          [40, 20.5, 'two-year', 0],
        ],
      },
    }
    const plain: Json = await (await mlflow(frame, 'churn')).json()
    assert.deepEqual(Object.keys(plain.predictions), ['label', 'probabilities'])
    assert.equal(plain.predictions.label.length, 2)
    // With params (MLflow 2.6+ adds them beside the data); the ONNX model takes none, they are ignored.
    const withParams: Json = await (await mlflow({ ...frame, params: { threshold: 0.5 } }, 'churn')).json()
    assert.deepEqual(withParams, plain)
    // A numpy array goes as {"inputs": array.tolist()}.
    const ndarray = await mlflow({ inputs: [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]] }, 'linear')
    assert.equal(ndarray.status, 200)
    const answer: Json = await ndarray.json()
    assert.equal(answer.predictions.length, 2)
    // mlflow.deployments' PredictionsResponse needs {"predictions": ...} and nothing else at the top.
    assert.deepEqual(Object.keys(answer), ['predictions'])
    // GET /ping and /version as the client's wait_server_ready and get_version call them.
    assert.equal((await fetch(`${server.url}/ping`)).status, 200)
    assert.equal((await fetch(`${server.url}/version`)).status, 200)
  })
})
