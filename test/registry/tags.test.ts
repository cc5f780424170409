import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SemVer } from '../../src/registry/semver.js'
import { DeprecationTag, ModelName, ModelRef, ModelTag, parseRegistryTag, StageTag, unreadableTagReason } from '../../src/registry/tags.js'

/** A small seeded generator (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789'
function pick(rnd: () => number, chars: string): string {
  return chars[Math.floor(rnd() * chars.length)]!
}
function name(rnd: () => number): string {
  const length = 1 + Math.floor(rnd() * 12)
  let text = pick(rnd, ALNUM)
  for (let i = 1; i < length; i++) {
    // Never two '/' in a row, and the last character is alphanumeric (GTO and git both insist).
    const previous = text.at(-1)!
    text += i === length - 1 || previous === '/' || previous === '-' ? pick(rnd, ALNUM) : pick(rnd, ALNUM + '-/')
  }
  return text
}
function dirname(rnd: () => number): string {
  const parts = 1 + Math.floor(rnd() * 3)
  return Array.from({ length: parts }, () => pick(rnd, ALNUM) + name(rnd).replace(/\//g, '_') + (rnd() < 0.3 ? '.d' : '')).join('/')
}
function version(rnd: () => number): SemVer {
  const n = () => Math.floor(rnd() * (rnd() < 0.2 ? 100000 : 20))
  const pre = rnd() < 0.2 ? `-rc.${n()}` : ''
  return SemVer.parse(`v${n()}.${n()}.${n()}${pre}`)
}

describe('ModelTag / StageTag / DeprecationTag', () => {
  it('parse and print round-trip over 2,000 random names, stages, versions and counters (seed 20240611)', () => {
    const rnd = random(20240611)
    for (let i = 0; i < 2000; i++) {
      const model = ModelName.parse(rnd() < 0.3 ? `${dirname(rnd)}:${name(rnd)}` : name(rnd))
      const counter = 1 + Math.floor(rnd() * 5000)
      const tags = [
        new ModelTag(model, version(rnd)),
        new ModelTag(model, version(rnd), true),
        new StageTag(model, name(rnd), counter),
        new StageTag(model, name(rnd), counter, true),
        new DeprecationTag(model),
      ]
      for (const tag of tags) {
        const text = tag.toString()
        const parsed = parseRegistryTag(text)
        assert.ok(parsed, `case ${i}: '${text}' did not parse`)
        assert.equal(parsed.toString(), text, `case ${i}`)
        assert.equal(parsed.kind, tag.kind)
        assert.ok(parsed.model.equals(model), `case ${i}: model of '${text}'`)
      }
      assert.equal(ModelName.parse(model.toString()).tagPart, model.tagPart)
    }
  })

  it('reads every kind of GTO tag', () => {
    const cases: Array<[string, string]> = [
      ['churn@v1.3.0', 'version churn v1.3.0 registered'],
      ['churn@v1.3.0!', 'version churn v1.3.0 withdrawn'],
      ['churn#production#7', 'stage churn production 7 assign'],
      ['churn#production!#8', 'stage churn production 8 unassign'],
      ['churn#production', 'stage churn production - assign'],
      ['churn@deprecated', 'deprecation churn'],
      ['churn@deprecated#9', 'deprecation churn'],
      ['models/a_b=churn@v0.0.1', 'version models/a_b:churn v0.0.1 registered'],
      ['nlp/bert-base@v2.0.0-rc.1+build.5', 'version nlp/bert-base v2.0.0-rc.1+build.5 registered'],
    ]
    for (const [text, expected] of cases) {
      const tag = parseRegistryTag(text)
      assert.ok(tag, text)
      const described =
        tag.kind === 'version'
          ? `version ${tag.model} ${tag.version} ${tag.deregistration ? 'withdrawn' : 'registered'}`
          : tag.kind === 'stage'
            ? `stage ${tag.model} ${tag.stage} ${tag.counter ?? '-'} ${tag.unassignment ? 'unassign' : 'assign'}`
            : `deprecation ${tag.model}`
      assert.equal(described, expected)
      assert.equal(tag.toString(), text)
    }
  })

  it('leaves alone tags that are not the registry\'s', () => {
    for (const text of ['v1.0.0', 'release-2024', 'churn@1.0.0', 'churn@v01.0.0', 'churn-@v1.0.0', 'churn_#prod#1', 'churn#prod#x', 'churn@created', 'a..b=churn@v1.0.0', '.x=churn@v1.0.0', 'churn@v1.0.0#', 'churn@v99999999999999999999.0.0']) {
      assert.equal(parseRegistryTag(text), undefined, text)
    }
  })

  it("reads GTO's full grammar: uppercase letters and '_' in names, folders and stages", () => {
    const cases: Array<[string, string]> = [
      ['Churn@v1.0.0', 'version Churn v1.0.0'],
      ['churn_v2@v0.1.0!', 'version churn_v2 v0.1.0'],
      ['churn#prod_eu#1', 'stage churn prod_eu'],
      ['Models/Team_A=Churn#Prod#3', 'stage Models/Team_A:Churn Prod'],
      ['churn_v2@deprecated#4', 'deprecation churn_v2'],
    ]
    for (const [text, expected] of cases) {
      const tag = parseRegistryTag(text)
      assert.ok(tag, text)
      const described = tag.kind === 'version' ? `version ${tag.model} ${tag.version}` : tag.kind === 'stage' ? `stage ${tag.model} ${tag.stage}` : `deprecation ${tag.model}`
      assert.equal(described, expected)
      assert.equal(tag.toString(), text)
    }
    assert.equal(ModelRef.parse('churn_v2#prod_eu').toString(), 'churn_v2#prod_eu')
  })

  it('gives a reason for a tag shaped like a registry tag that does not parse, and none for tags that are not the registry\'s', () => {
    for (const text of ['churn@v1.0', 'churn@v01.0.0', 'churn#prod#x', 'churn#prod_#1', 'churn@deprecated#x']) {
      assert.match(unreadableTagReason(text) ?? '', /^it is not in GTO's tag grammar/, text)
    }
    for (const text of ['v1.0.0', 'release-2024', 'churn@v1.0.0', 'Churn#prod#1', 'churn@1.0.0']) {
      assert.equal(unreadableTagReason(text), undefined, text)
    }
    // GTO's creation tag is GTO's own but carries no event Modelship reads: skipped, and said so.
    for (const text of ['churn@created', 'dir=churn@created#2']) {
      assert.match(unreadableTagReason(text) ?? '', /^it is GTO's creation tag/, text)
    }
  })

  it('refuses bad names with the rule in the message', () => {
    assert.throws(() => ModelName.parse('churn_'), {
      name: 'UsageError',
      message: "'churn_' is not a model name: use letters, digits, '-', '_' and '/', starting and ending with a letter or digit (GTO's naming rule), optionally after a folder and ':' as in 'models/churn:churn'",
    })
    assert.throws(() => ModelName.parse('churn v2'), { name: 'UsageError' })
    assert.throws(() => ModelTag.parse('churn#production#1'), {
      message: "'churn#production#1' is not a version tag: expected <model>@v<major>.<minor>.<patch>, e.g. churn@v1.3.0",
    })
    assert.throws(() => StageTag.parse('churn@v1.0.0'), { message: "'churn@v1.0.0' is not a stage tag: expected <model>#<stage>#<n>, e.g. churn#production#7" })
    assert.throws(() => new StageTag(ModelName.parse('churn'), '-prod', 1), { message: "'-prod' is not a stage name: use letters, digits, '-', '_' and '/', starting and ending with a letter or digit (GTO's naming rule), e.g. 'production'" })
  })
})

describe('ModelRef', () => {
  it('reads the shortcuts GTO accepts, and the tag form of monorepo names', () => {
    const cases: Array<[string, string, string]> = [
      ['churn#production', 'churn', 'stage production'],
      ['churn@latest', 'churn', 'latest'],
      ['churn@greatest', 'churn', 'latest'],
      ['churn@v1.2.3', 'churn', 'version v1.2.3'],
      ['churn', 'churn', 'model'],
      ['models/churn:churn#staging', 'models/churn:churn', 'stage staging'],
      ['models/churn=churn@v0.0.1', 'models/churn:churn', 'version v0.0.1'],
    ]
    for (const [text, model, selector] of cases) {
      const ref = ModelRef.parse(text)
      const s = ref.selector
      const described = s.kind === 'stage' ? `stage ${s.stage}` : s.kind === 'version' ? `version ${s.version}` : s.kind
      assert.deepEqual([ref.model.toString(), described], [model, selector], text)
    }
    assert.equal(ModelRef.parse('models/churn=churn@greatest').toString(), 'models/churn:churn@latest')
  })

  it('says which forms it accepts', () => {
    assert.throws(() => ModelRef.parse('churn@prod'), {
      name: 'UsageError',
      message: "'churn@prod' is not a model reference: expected <model>, <model>@latest, <model>@v1.2.3 or <model>#<stage>, e.g. churn#production",
    })
  })
})

describe('SemVer', () => {
  it('orders by semver precedence, prereleases below their release', () => {
    const sorted = ['v1.0.0', 'v1.0.0-rc.1', 'v1.0.0-alpha', 'v1.0.0-alpha.1', 'v1.0.0-alpha.beta', 'v1.0.0-beta.11', 'v1.0.0-beta.2', 'v0.9.12', 'v1.0.0-beta']
      .map((v) => SemVer.parse(v))
      .sort((a, b) => a.compare(b))
      .map(String)
    assert.deepEqual(sorted, ['v0.9.12', 'v1.0.0-alpha', 'v1.0.0-alpha.1', 'v1.0.0-alpha.beta', 'v1.0.0-beta', 'v1.0.0-beta.2', 'v1.0.0-beta.11', 'v1.0.0-rc.1', 'v1.0.0'])
  })

  it('bumps patch, minor and major; a prerelease moves past its core', () => {
    const v = SemVer.parse('v1.2.3')
    assert.deepEqual([v.bump('patch'), v.bump('minor'), v.bump('major')].map(String), ['v1.2.4', 'v1.3.0', 'v2.0.0'])
    assert.equal(SemVer.parse('v1.2.3-rc.1').bump('patch').toString(), 'v1.2.4')
    assert.equal(SemVer.FIRST.toString(), 'v0.0.1')
  })

  it('refuses a version without the v or with leading zeros', () => {
    assert.throws(() => SemVer.parse('1.2.3'), { name: 'UsageError', message: "'1.2.3' is not a version: expected v<major>.<minor>.<patch> such as v1.2.3 (a leading 'v', no leading zeros)" })
    assert.equal(SemVer.tryParse('v1.02.3'), undefined)
  })
})
