import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { findSecrets } from '../../src/spec/secrets.js'

const SECRETS: Record<string, string> = {
  github: 'ghp_R2d2C3poXwingYodaLukeLeia0123456789ab',
  oauth: 'gho_16C7e42F292c6912E7710c838347Ae178B4a',
  fineGrained: 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
  aws: 'AKIAIOSFODNN7EXAMPLE',
  slack: 'xoxb-123456789012-abcdefghijkl',
  google: 'AIzaSyA1234567890abcdefghijklmnopqrstuv',
  apiKey: 'sk-proj-abcdefghijklmnopqrstuvwxyz012345',
  url: 'mysql://admin:Zq8!xk2@db.example.com/models',
}

describe('findSecrets', () => {
  for (const [kind, secret] of Object.entries(SECRETS)) {
    it(`finds a ${kind} secret and never repeats it`, () => {
      const findings = findSecrets({ train: { params: { note: `use ${secret} here` } } })
      assert.equal(findings.length, 1)
      assert.deepEqual(findings[0]!.path, ['train', 'params', 'note'])
      // At most a well-known prefix: no 8 characters of the secret after its first 11.
      const tail = secret.slice(11)
      for (let start = 0; start + 8 <= tail.length; start++) assert.ok(!findings[0]!.message.includes(tail.slice(start, start + 8)), findings[0]!.message)
    })
  }

  it('finds a secret used as a key', () => {
    const findings = findSecrets({ params: { [SECRETS.github!]: 1 } })
    assert.deepEqual(findings.map((finding) => [finding.path.join('.'), finding.target]), [[`params.${SECRETS.github}`, 'key']])
    assert.ok(!findings[0]!.message.includes(SECRETS.github!.slice(4)))
  })

  it('leaves references to secrets alone', () => {
    const findings = findSecrets({
      params: {
        token: '${{ secrets.HF_TOKEN }}',
        api_key: '$WANDB_API_KEY',
        password: '${DB_PASSWORD}',
        secret: 'MY_SECRET_NAME',
        'token-name': 'k3j4h5g6f7d8s9a0q1w2e3r4t5y6',
        'key-file': 'secrets/key.json',
      },
      command: ['train', '--token', '$HF_TOKEN', '--password-file', 'pw.txt'],
    })
    assert.deepEqual(findings, [])
  })

  it('leaves ordinary values alone', () => {
    const findings = findSecrets({
      description: 'Predicts churn; see https://example.com/docs',
      data: { train: 'data/churn/train.csv', features: ['token_count', 'password_age_days'] },
      params: { tokenizer: 'bert-base-uncased', 'max-tokens': 512, monkey: 'Xk3j4h5g6f7d8s9a0q1w' },
      monitor: { schedule: '0 6 * * *' },
    })
    assert.deepEqual(findings, [])
  })
})
