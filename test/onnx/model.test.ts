import assert from 'node:assert/strict'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ModelError } from '../../src/errors.js'
import { loadModel } from '../../src/onnx/model.js'

const FIXTURES = 'test/fixtures/onnx'

describe('loadModel', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelship-onnx-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads input and output names, types and shapes', async () => {
    const model = await loadModel(`${FIXTURES}/churn-classifier.onnx`)
    try {
      assert.deepEqual(
        model.inputs.map((i) => [i.name, i.type, i.shape]),
        [
          ['tenure', 'float32', ['', 1]],
          ['monthly_charges', 'float32', ['', 1]],
          ['contract', 'string', ['', 1]],
          ['support_calls', 'float32', ['', 1]],
        ],
      )
      assert.deepEqual(
        model.outputs.map((o) => [o.name, o.type, o.shape]),
        [
          ['label', 'int64', ['']],
          ['probabilities', 'float32', ['', 2]],
        ],
      )
      assert.equal(model.info.producerName, 'skl2onnx')
      assert.deepEqual(model.info.classLabels, ['0', '1'])
    } finally {
      await model.release()
    }
  })

  it('reads declared string class labels in probability-column order', async () => {
    const model = await loadModel(`${FIXTURES}/multiclass-strings.onnx`)
    assert.deepEqual(model.info.classLabels, ['setosa', 'versicolor', 'virginica'])
    await model.release()
  })

  it('reads class labels from the class list an MLP label output is gathered from', async () => {
    const model = await loadModel(`${FIXTURES}/mlp-strings.onnx`)
    assert.deepEqual(model.info.classLabels, ['setosa', 'versicolor', 'virginica'])
    await model.release()
  })

  it('declares no class labels for a regressor', async () => {
    const model = await loadModel(`${FIXTURES}/linear-regression.onnx`)
    assert.equal(model.info.classLabels, undefined)
    await model.release()
  })

  it('names a missing file and the fix', async () => {
    await assert.rejects(loadModel(join(dir, 'nope.onnx')), {
      name: 'ModelError',
      message: `model file ${join(dir, 'nope.onnx')} does not exist; check the path, or that the training command wrote its model there`,
    })
  })

  it('says a directory is not a model file', async () => {
    await mkdir(join(dir, 'model.onnx'))
    await assert.rejects(loadModel(join(dir, 'model.onnx')), {
      name: 'ModelError',
      message: `model path ${join(dir, 'model.onnx')} is a directory; point it at the .onnx file inside`,
    })
  })

  it('says garbage bytes are not an ONNX model, and how to export one', async () => {
    const path = join(dir, 'garbage.onnx')
    await writeFile(path, 'hello, this is not a model')
    await assert.rejects(loadModel(path), (error: unknown) => {
      assert.ok(error instanceof ModelError)
      assert.equal(
        error.message,
        `${path} is not an ONNX model (26 bytes that do not parse as an ONNX ModelProto: unsupported wire type 4); ` +
          'export the model with an ONNX converter (skl2onnx, torch.onnx.export, tf2onnx) and save it with its .SerializeToString() bytes',
      )
      return true
    })
  })

  it('recognises a Git LFS pointer and a pickle', async () => {
    const lfs = join(dir, 'lfs.onnx')
    await writeFile(lfs, 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n')
    await assert.rejects(loadModel(lfs), /it is a Git LFS pointer file; run `git lfs pull` \(or check out with lfs: true\) to fetch the model$/)
    const pickle = join(dir, 'model.pkl')
    await writeFile(pickle, Buffer.from([0x80, 0x04, 0x95, 0x10, 0x00]))
    await assert.rejects(loadModel(pickle), /it looks like a Python pickle \(\.pkl\); export the model to ONNX/)
  })

  it('says an empty file is empty', async () => {
    const path = join(dir, 'empty.onnx')
    await writeFile(path, '')
    await assert.rejects(loadModel(path), { message: `${path} is not an ONNX model (0 bytes that do not parse as an ONNX ModelProto: no ir_version); the file is empty; re-run the training step that writes it` })
  })

  it('reports a session failure with the opsets and the fix', async () => {
    // A valid ModelProto whose graph uses an operator no runtime knows: ir_version 8, opset 17, one node.
    const path = join(dir, 'unknown-op.onnx')
    await writeFile(path, unknownOperatorModel())
    await assert.rejects(loadModel(path), (error: unknown) => {
      assert.ok(error instanceof ModelError)
      assert.match(error.message, new RegExp(`^onnxruntime 1\\.\\d+\\.\\d+ cannot load ${path.replace(/[.]/g, '\\.')} \\(ir_version 8, opsets ai\\.onnx 17\\): `))
      assert.match(error.message, /NoSuchOperator/)
      assert.match(error.message, /re-export the model with an opset this onnxruntime supports \(e\.g\. target_opset=17 in skl2onnx\) and only standard operators$/)
      return true
    })
  })
})

/** Hand-encodes a tiny ModelProto (protobuf wire format) with one node of an unknown op type. */
function unknownOperatorModel(): Buffer {
  const varint = (n: number) => {
    const out: number[] = []
    while (n > 127) {
      out.push((n & 0x7f) | 0x80)
      n >>>= 7
    }
    out.push(n)
    return out
  }
  const field = (number: number, bytes: number[]) => [...varint((number << 3) | 2), ...varint(bytes.length), ...bytes]
  const text = (s: string) => [...Buffer.from(s)]
  const tensorType = field(1, [...varint((1 << 3) | 0), 1]) // TypeProto.tensor_type { elem_type: FLOAT }
  const valueInfo = (name: string) => field(1, text(name)).concat(field(2, tensorType))
  const node = [...field(1, text('x')), ...field(2, text('y')), ...field(4, text('NoSuchOperator'))]
  const graph = [...field(1, node), ...field(2, text('g')), ...field(11, valueInfo('x')), ...field(12, valueInfo('y'))]
  const opset = [...varint((2 << 3) | 0), 17]
  return Buffer.from([...varint((1 << 3) | 0), 8, ...field(7, graph), ...field(8, opset)])
}
