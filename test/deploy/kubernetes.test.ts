// The kubernetes provider: KServe InferenceService manifests rendered from the desired state, what
// they say, where they go, and every refusal. kubernetes-kubeconform.test.ts checks the same
// manifests against KServe's CRD schemas.
import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, test } from 'node:test'
import { parse } from 'yaml'
import { DeployRefusedError } from '../../src/deploy/errors.js'
import { inferenceServiceName, releaseAssetUrl, renderInferenceService, renderKubernetes } from '../../src/deploy/kubernetes/index.js'
import { KubernetesSpecSchema } from '../../src/spec/model-schema.js'
import { cli, kubernetesRepo, writeState } from './kubernetes-fixture.js'

const RELEASE = { serverUrl: 'https://github.com', owner: 'acme', repo: 'models' }
const SIZING = KubernetesSpecSchema.parse({})

function render(traffic: [string, number][], kubernetes = SIZING) {
  return renderInferenceService({
    environment: 'staging',
    model: 'churn',
    traffic: traffic.map(([version, share]) => ({ model: 'churn', version, share })),
    target: { kubernetes },
    release: RELEASE,
    sources: ['deploy/staging.yaml', 'models/churn/model.yaml'],
  })
}

describe('renderInferenceService', () => {
  test('one version: an onnx V2 InferenceService at its release asset, all traffic, no canary', () => {
    const rendered = render([['v1.3.0', 100]])
    const manifest = parse(rendered.text)
    assert.deepEqual(manifest, {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: {
        name: 'churn',
        labels: { 'app.kubernetes.io/managed-by': 'modelship', 'app.kubernetes.io/name': 'churn', 'modelship.dev/environment': 'staging' },
        annotations: { 'modelship.dev/model': 'churn', 'modelship.dev/version': 'v1.3.0' },
      },
      spec: {
        predictor: {
          minReplicas: 1,
          maxReplicas: 1,
          model: {
            modelFormat: { name: 'onnx' },
            protocolVersion: 'v2',
            storageUri: 'https://github.com/acme/models/releases/download/churn%40v1.3.0/model.onnx',
          },
        },
      },
    })
    assert.equal(rendered.canaryTrafficPercent, undefined)
    assert.ok(
      rendered.text.startsWith(
        '# Rendered by modelship from deploy/staging.yaml and models/churn/model.yaml; do not edit:\n# change those and run: modelship k8s render --environment staging\n',
      ),
    )
  })

  test('two versions: the newer one is the canary with its share, the older keeps the rest', () => {
    const rendered = render([['v1.2.0', 90], ['v1.3.0', 10]])
    const manifest = parse(rendered.text)
    assert.equal(manifest.spec.predictor.canaryTrafficPercent, 10)
    assert.match(manifest.spec.predictor.model.storageUri, /churn%40v1\.3\.0\/model\.onnx$/)
    assert.equal(manifest.metadata.annotations['modelship.dev/stable-version'], 'v1.2.0')
    assert.deepEqual([rendered.version, rendered.stableVersion, rendered.canaryTrafficPercent], ['v1.3.0', 'v1.2.0', 10])
    // The order of the entries does not matter, only their versions.
    assert.equal(render([['v1.3.0', 10], ['v1.2.0', 90]]).text, rendered.text)
  })

  test('a version with share 0 is not served and does not count as a revision', () => {
    const rendered = render([['v1.2.0', 0], ['v1.3.0', 100]])
    assert.equal(parse(rendered.text).spec.predictor.canaryTrafficPercent, undefined)
    assert.equal(rendered.version, 'v1.3.0')
  })

  test('replicas, CPU, memory, GPUs and namespace come from deploy[].kubernetes', () => {
    const sizing = KubernetesSpecSchema.parse({ namespace: 'models', 'min-replicas': 2, 'max-replicas': 4, cpu: '500m', memory: '1Gi', gpus: 1 })
    const manifest = parse(render([['v1.3.0', 100]], sizing).text)
    assert.equal(manifest.metadata.namespace, 'models')
    assert.deepEqual([manifest.spec.predictor.minReplicas, manifest.spec.predictor.maxReplicas], [2, 4])
    assert.deepEqual(manifest.spec.predictor.model.resources, {
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { cpu: '500m', memory: '1Gi', 'nvidia.com/gpu': '1' },
    })
  })

  test('GPUs alone are limits only; max-replicas defaults to min-replicas, and to 1 when scaling to zero', () => {
    const gpuOnly = parse(render([['v1.3.0', 100]], KubernetesSpecSchema.parse({ gpus: 2, 'min-replicas': 3 })).text)
    assert.deepEqual(gpuOnly.spec.predictor.model.resources, { limits: { 'nvidia.com/gpu': '2' } })
    assert.equal(gpuOnly.spec.predictor.maxReplicas, 3)
    const toZero = parse(render([['v1.3.0', 100]], KubernetesSpecSchema.parse({ 'min-replicas': 0 })).text)
    assert.deepEqual([toZero.spec.predictor.minReplicas, toZero.spec.predictor.maxReplicas], [0, 1])
  })

  test('a deploy entry without a kubernetes block renders one replica and no resources', () => {
    const rendered = renderInferenceService({
      environment: 'staging',
      model: 'churn',
      traffic: [{ model: 'churn', version: 'v1.3.0', share: 100 }],
      target: {},
      release: RELEASE,
      sources: ['deploy/staging.yaml'],
    })
    assert.equal(rendered.text, render([['v1.3.0', 100]]).text.replace(' and models/churn/model.yaml', ''))
  })

  test('the same input gives the same bytes', () => {
    assert.equal(render([['v1.2.0', 75], ['v1.3.0', 25]]).text, render([['v1.2.0', 75], ['v1.3.0', 25]]).text)
  })

  test('three serving versions are refused: KServe splits between two revisions at most', () => {
    assert.throws(
      () => render([['v1.1.0', 50], ['v1.2.0', 40], ['v1.3.0', 10]]),
      (error: unknown) =>
        error instanceof DeployRefusedError &&
        error.message ===
          "churn serves 3 versions in environment 'staging' (v1.1.0 50%, v1.2.0 40%, v1.3.0 10%); a KServe InferenceService splits traffic between two at most: finish or roll back the canary first",
    )
  })

  test('a canary share that is not a whole percent is refused with the fix', () => {
    assert.throws(
      () => render([['v1.2.0', 87.5], ['v1.3.0', 12.5]]),
      (error: unknown) =>
        error instanceof DeployRefusedError &&
        error.message === "churn v1.3.0 has a share of 12.5% in environment 'staging'; KServe's canaryTrafficPercent is a whole percent: deploy it with a whole --traffic",
    )
  })

  test('no serving version at all is refused', () => {
    assert.throws(() => render([]), { message: "churn has no version with a share above 0 in environment 'staging'; deploy a version or retire the model" })
  })
})

describe('names and URLs', () => {
  test('model names become DNS-1035 labels KServe accepts', () => {
    assert.equal(inferenceServiceName('churn'), 'churn')
    assert.equal(inferenceServiceName('vision:detector'), 'vision-detector')
    assert.equal(inferenceServiceName('team_a/vision.v2:detector'), 'team-a-vision-v2-detector')
    assert.equal(inferenceServiceName('3d-pose'), 'm-3d-pose')
  })

  test('a name too long for a DNS label is refused with the fix', () => {
    const dir = 'a'.repeat(40)
    assert.throws(() => inferenceServiceName(`${dir}:${'b'.repeat(30)}`), {
      message: `model ${dir}:${'b'.repeat(30)} would be the InferenceService '${dir}-${'b'.repeat(30)}' (71 characters); KServe takes at most 63: shorten the model's name or its folder`,
    })
  })

  test("the storage URI is the version's model.onnx release asset, the tag escaped; GHES roots work", () => {
    assert.equal(releaseAssetUrl(RELEASE, 'vision:detector', 'v2.0.1'), 'https://github.com/acme/models/releases/download/vision%3Ddetector%40v2.0.1/model.onnx')
    assert.equal(
      releaseAssetUrl({ serverUrl: 'https://github.example.com', owner: 'ml', repo: 'zoo' }, 'churn', 'v1.0.0'),
      'https://github.example.com/ml/zoo/releases/download/churn%40v1.0.0/model.onnx',
    )
  })
})

describe('renderKubernetes and modelship k8s render', () => {
  let repo: ReturnType<typeof kubernetesRepo>
  beforeEach(() => {
    repo = kubernetesRepo()
  })
  afterEach(() => repo.cleanup())

  const dir = () => join(repo.root, 'deploy/k8s/staging')
  const renderStaging = (extra: string[] = []) => cli(['k8s', 'render', '--environment', 'staging', '--repository', 'acme/models', '--path', repo.root, ...extra], repo.root)

  test('writes one manifest per kubernetes model and says which models it skipped and why', async () => {
    writeState(repo.root, 'staging', [['churn', 'v1.2.0', 90], ['churn', 'v1.3.0', 10], ['house-prices', 'v0.0.1', 100]])
    const { code, stdout, stderr } = await renderStaging()
    assert.equal(stderr, '')
    assert.equal(code, 0)
    assert.equal(
      stdout,
      'deploy/k8s/staging/churn.yaml: written (churn v1.3.0 10% (canary), v1.2.0 the rest)\n' + "skipped house-prices: its deploy entry for 'staging' has provider: builtin\n",
    )
    assert.deepEqual(readdirSync(dir()), ['churn.yaml'])
    const manifest = parse(readFileSync(join(dir(), 'churn.yaml'), 'utf8'))
    assert.equal(manifest.metadata.namespace, 'models')
    assert.equal(manifest.spec.predictor.canaryTrafficPercent, 10)
    assert.deepEqual([manifest.spec.predictor.minReplicas, manifest.spec.predictor.maxReplicas], [2, 4])
    assert.equal(manifest.spec.predictor.model.resources.limits['nvidia.com/gpu'], '1')
  })

  test('a second render leaves the file alone; --check passes when up to date and fails naming the fix when not', async () => {
    writeState(repo.root, 'staging', [['churn', 'v1.3.0', 100]])
    assert.equal((await renderStaging()).code, 0)
    const file = join(dir(), 'churn.yaml')
    const before = readFileSync(file, 'utf8')
    const again = await renderStaging()
    assert.equal(again.stdout, 'deploy/k8s/staging/churn.yaml: unchanged (churn v1.3.0 100%)\n')
    assert.equal(readFileSync(file, 'utf8'), before)
    assert.equal((await renderStaging(['--check'])).code, 0)

    writeState(repo.root, 'staging', [['churn', 'v1.3.0', 80], ['churn', 'v1.4.0', 20]])
    const check = await renderStaging(['--check'])
    assert.equal(check.code, 1)
    assert.equal(check.stdout, 'deploy/k8s/staging/churn.yaml: out of date (churn v1.4.0 20% (canary), v1.3.0 the rest)\n')
    assert.equal(check.stderr, '1 manifest is out of date in deploy/k8s/staging/; run modelship k8s render --environment staging and commit the result\n')
    assert.equal(readFileSync(file, 'utf8'), before, '--check writes nothing')
  })

  test('a model that left the environment has its manifest deleted; files modelship did not render stay', async () => {
    writeState(repo.root, 'staging', [['churn', 'v1.3.0', 100]])
    await renderStaging()
    writeFileSync(join(dir(), 'kustomization.yaml'), 'resources: [churn.yaml]\n')
    writeState(repo.root, 'staging', [])
    const { code, stdout } = await renderStaging()
    assert.equal(code, 0)
    assert.equal(stdout, 'deploy/k8s/staging/churn.yaml: deleted (its model is no longer in the environment)\n')
    assert.deepEqual(readdirSync(dir()), ['kustomization.yaml'])
  })

  test('a hand-written file in the way is never overwritten', async () => {
    writeState(repo.root, 'staging', [['churn', 'v1.3.0', 100]])
    mkdirSync(dir(), { recursive: true })
    writeFileSync(join(dir(), 'churn.yaml'), 'kind: InferenceService\n')
    const { code, stderr } = await renderStaging()
    assert.equal(code, 1)
    assert.equal(
      stderr,
      "modelship k8s: deploy/k8s/staging/churn.yaml exists and was not rendered by modelship (its first line is not '# Rendered by modelship …'); move it out of deploy/k8s/staging/, which modelship owns\n",
    )
    assert.equal(readFileSync(join(dir(), 'churn.yaml'), 'utf8'), 'kind: InferenceService\n')
  })

  test('an unreadable manifest folder is reported as unreadable, not as empty', { skip: process.getuid?.() === 0 ? 'runs as root, which reads a mode-000 folder anyway' : false }, async () => {
    writeState(repo.root, 'staging', [['churn', 'v1.3.0', 100]])
    mkdirSync(dir(), { recursive: true })
    chmodSync(dir(), 0o000)
    try {
      const { code, stderr } = await renderStaging()
      assert.equal(code, 1)
      assert.equal(stderr, 'modelship k8s: could not list deploy/k8s/staging (EACCES); check its permissions\n')
    } finally {
      chmodSync(dir(), 0o755)
    }
  })

  test('an invalid desired state fails with its problems and writes nothing', async () => {
    writeState(repo.root, 'staging', [['churn', 'v1.2.0', 50], ['churn', 'v1.3.0', 40]])
    const { code, stderr } = await renderStaging()
    assert.equal(code, 1)
    assert.match(stderr, /^modelship k8s: .*deploy\/staging\.yaml.*100/s)
    assert.equal(existsSync(dir()), false)
  })

  test('a desired state naming a model with no spec is refused', async () => {
    writeState(repo.root, 'staging', [['fraud', 'v1.0.0', 100]])
    const { code, stderr } = await renderStaging()
    assert.equal(code, 1)
    assert.match(stderr, /fraud/)
    assert.equal(existsSync(dir()), false)
  })

  test('an environment the spec does not deploy to is skipped with the reason', async () => {
    writeState(repo.root, 'canary-eu', [['churn', 'v1.3.0', 100]])
    const { code, stdout } = await cli(['k8s', 'render', '-e', 'canary-eu', '--repository', 'acme/models', '--path', repo.root], repo.root)
    assert.equal(code, 0)
    assert.match(stdout, /^skipped churn: models\/churn\/model\.yaml does not list 'canary-eu' in deploy\n/)
  })

  test('renderKubernetes with dryRun reports what it would write and writes nothing', async () => {
    writeState(repo.root, 'staging', [['churn', 'v1.3.0', 100]])
    const result = await renderKubernetes({ root: repo.root, environment: 'staging', release: RELEASE, dryRun: true })
    assert.deepEqual(
      result.manifests.map((manifest) => [manifest.file, manifest.status]),
      [['deploy/k8s/staging/churn.yaml', 'written']],
    )
    assert.equal(existsSync(dir()), false)
  })

  test('usage errors: no subcommand, no environment, no repository, a bad repository or server URL', async () => {
    const saved = process.env.GITHUB_REPOSITORY
    delete process.env.GITHUB_REPOSITORY
    try {
      const cases: [string[], RegExp][] = [
        [['k8s'], /^modelship k8s: missing the subcommand; use 'modelship k8s render --environment NAME'\n/],
        [['k8s', 'apply'], /^modelship k8s: unknown subcommand 'apply'; the k8s command has one: render\n/],
        [['k8s', 'render'], /^modelship k8s: missing --environment; name the environment whose desired state to render, e.g. '--environment production'\n/],
        [['k8s', 'render', '-e', 'staging'], /^modelship k8s: no repository for the release URLs: pass --repository owner\/repo/],
        [['k8s', 'render', '-e', 'staging', '--repository', 'acme'], /^modelship k8s: --repository 'acme' is not a repository; expected 'owner\/repo'/],
        [['k8s', 'render', '-e', 'staging', '--repository', 'acme/models', '--server-url', 'github.com'], /^modelship k8s: --server-url 'github.com' is not a web root/],
      ]
      for (const [args, message] of cases) {
        const { code, stderr } = await cli([...args, '--path', repo.root], repo.root)
        assert.equal(code, 2, args.join(' '))
        assert.match(stderr, message)
      }
    } finally {
      if (saved !== undefined) process.env.GITHUB_REPOSITORY = saved
    }
  })
})

describe('deploy[].kubernetes in the spec', () => {
  test('max-replicas below min-replicas and malformed quantities are spec problems with the fix', async () => {
    const repo = kubernetesRepo(`deploy:
  - environment: staging
    provider: kubernetes
    kubernetes: { min-replicas: 3, max-replicas: 2, cpu: 1x, memory: 2GB, namespace: Models }
`)
    try {
      const { code, stdout } = await cli(['validate', repo.root], repo.root)
      assert.equal(code, 1)
      const lines = stdout.split('\n').filter((line) => line.includes('kubernetes'))
      assert.deepEqual(
        lines.map((line) => line.replace(/^.*?deploy\[0\]/, 'deploy[0]')),
        [
          'deploy[0].kubernetes.max-replicas: max-replicas 2 is below min-replicas 3; raise max-replicas or lower min-replicas',
          "deploy[0].kubernetes.cpu: '1x' is not a CPU quantity; expected cores as Kubernetes writes them, e.g. '1', '0.5' or '500m'",
          "deploy[0].kubernetes.memory: '2GB' is not a memory quantity; expected bytes as Kubernetes writes them, e.g. '2Gi' or '512Mi'",
          "deploy[0].kubernetes.namespace: 'Models' is not a Kubernetes namespace; expected lowercase letters, digits and -, e.g. models",
        ],
      )
    } finally {
      repo.cleanup()
    }
  })
})
