import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TagRecord } from '../../src/registry/backend.js'
import type { RegistryBackend } from '../../src/registry/backend.js'
import { resolveVersion } from '../../src/registry/lookup.js'
import { buildModelState, latestVersion } from '../../src/registry/state.js'
import { ModelName, parseRegistryTag } from '../../src/registry/tags.js'

const churn = ModelName.parse('churn')
function tag(name: string, commit: string, seconds?: number, annotated = true): TagRecord {
  const record: TagRecord = { name, tag: parseRegistryTag(name)!, commit, annotated }
  if (seconds !== undefined) record.tagger = { name: 't', email: 't@example.com', date: new Date(seconds * 1000) }
  return record
}
const stageOf = (tags: TagRecord[], stage: string) => buildModelState(churn, tags).stages.get(stage)?.version.version.toString()

describe('buildModelState', () => {
  const versions = [tag('churn@v0.0.1', 'c1', 100), tag('churn@v0.0.2', 'c2', 200), tag('churn@v0.0.3', 'c3', 300)]

  it('resolves a stage to the newest assignment by tag time, not by counter', () => {
    // #5 is older by the clock than #4: GTO orders by tag time, so v0.0.1 (assigned later) wins.
    assert.equal(stageOf([...versions, tag('churn#prod#4', 'c2', 500), tag('churn#prod#5', 'c1', 400)], 'prod'), 'v0.0.2')
    assert.equal(stageOf([...versions, tag('churn#prod#4', 'c2', 400), tag('churn#prod#5', 'c1', 500)], 'prod'), 'v0.0.1')
  })

  it('breaks ties in the same second by counter, and orders by counter alone when dates are unknown', () => {
    assert.equal(stageOf([...versions, tag('churn#prod#5', 'c1', 400), tag('churn#prod#4', 'c2', 400)], 'prod'), 'v0.0.1')
    assert.equal(stageOf([...versions, tag('churn#prod#5', 'c1', 400), tag('churn#prod#6', 'c2', 400)], 'prod'), 'v0.0.2')
    const undated = [tag('churn@v0.0.1', 'c1'), tag('churn@v0.0.2', 'c2'), tag('churn#prod#3', 'c2'), tag('churn#prod#4', 'c1')]
    assert.equal(stageOf(undated, 'prod'), 'v0.0.1')
  })

  it('in one second: the registration, then its stage moves by counter, then its deregistration', () => {
    // Listed in the order a sort by name alone would give, which is not the order they happened in.
    const tags = [tag('churn#prod#2', 'c1', 100), tag('churn#staging#1', 'c1', 100), tag('churn@v0.0.1!', 'c1', 100), tag('churn@v0.0.1', 'c1', 100)]
    const events = buildModelState(churn, tags).events.map((e) => `${e.type} ${e.tag.name}`)
    assert.deepEqual(events, ['registered churn@v0.0.1', 'assigned churn#staging#1', 'assigned churn#prod#2', 'deregistered churn@v0.0.1!'])
  })

  it('a stage emptied by demote or by withdrawals says so instead of "no stage is assigned yet"', async () => {
    const unused = {} as RegistryBackend // the state is given: nothing is read
    const reject = (tags: TagRecord[], message: string) =>
      assert.rejects(resolveVersion(unused, 'churn#prod', buildModelState(churn, tags)), { name: 'RegistryNotFoundError', message })
    const promote = (hint: string) => `${hint} (promote one with modelship registry promote churn@<version> prod)`
    await reject([...versions, tag('churn#prod#4', 'c1', 400), tag('churn#prod!#5', 'c1', 500)], promote("churn has no version in stage 'prod'; it was emptied (demote took its version out)"))
    await reject(
      [...versions, tag('churn#prod#4', 'c1', 400), tag('churn#prod#5', 'c2', 500), tag('churn@v0.0.2!', 'c2', 600), tag('churn#prod!#6', 'c1', 700)],
      promote("churn has no version in stage 'prod'; it was emptied: the version assigned there was withdrawn (v0.0.2) or taken out"),
    )
    await reject(
      [...versions, tag('churn#prod#4', 'c1', 400), tag('churn#prod#5', 'c2', 500), tag('churn@v0.0.1!', 'c1', 600), tag('churn@v0.0.2!', 'c2', 700)],
      promote("churn has no version in stage 'prod'; it was emptied: the versions assigned there were withdrawn (v0.0.1, v0.0.2)"),
    )
    await reject(versions, promote("churn has no version in stage 'prod'; no stage is assigned yet"))
  })

  it('an unassignment takes the version out; the stage falls back to the newest still-assigned version', () => {
    const tags = [...versions, tag('churn#prod#4', 'c1', 400), tag('churn#prod#5', 'c2', 500), tag('churn#prod!#6', 'c2', 600)]
    assert.equal(stageOf(tags, 'prod'), 'v0.0.1')
    assert.equal(stageOf([...tags, tag('churn#prod!#7', 'c1', 700)], 'prod'), undefined)
    assert.equal(stageOf([...tags, tag('churn#prod!#7', 'c1', 700), tag('churn#prod#8', 'c2', 800)], 'prod'), 'v0.0.2')
  })

  it('a withdrawn version leaves latest and its stages; its number is never reused', () => {
    const tags = [...versions, tag('churn#prod#4', 'c2', 400), tag('churn#prod#5', 'c3', 500), tag('churn@v0.0.3!', 'c3', 600)]
    const state = buildModelState(churn, tags)
    assert.equal(latestVersion(state)?.version.toString(), 'v0.0.2')
    assert.equal(state.stages.get('prod')?.version.version.toString(), 'v0.0.2')
    assert.equal(state.highestTaken?.toString(), 'v0.0.3')
    assert.equal(state.versions.find((v) => v.version.toString() === 'v0.0.3')?.active, false)
  })

  it('ignores lightweight tags and tags of other models; counts them for the next counter', () => {
    const tags = [...versions, tag('churn#prod#9', 'c1', 400, false), tag('other#prod#20', 'c1', 400), tag('churn-x@v1.0.0', 'c1', 1)]
    const state = buildModelState(churn, tags)
    assert.equal(state.stages.size, 0)
    assert.equal(state.nextCounter, 10)
    assert.deepEqual(state.versions.map((v) => v.version.toString()), ['v0.0.3', 'v0.0.2', 'v0.0.1'])
  })

  it('a model is deprecated while @deprecated is its newest tag', () => {
    assert.equal(buildModelState(churn, [...versions, tag('churn@deprecated#4', 'c3', 400)]).deprecated, true)
    assert.equal(buildModelState(churn, [...versions, tag('churn@deprecated#4', 'c3', 250)]).deprecated, false)
  })

  it("any later tag ends a deprecation: registration, assignment, unassignment or withdrawal (GTO's Artifact.is_active)", () => {
    const deprecated = [...versions, tag('churn#prod#4', 'c2', 350), tag('churn@deprecated#5', 'c3', 400)]
    const after = (...more: TagRecord[]) => buildModelState(churn, [...deprecated, ...more]).deprecated
    assert.equal(after(), true)
    assert.equal(after(tag('churn@v0.0.2!', 'c2', 500)), false)
    assert.equal(after(tag('churn#prod!#6', 'c2', 600)), false)
    assert.equal(after(tag('churn#prod#6', 'c1', 500)), false)
    assert.equal(after(tag('churn#prod#6', 'c1', 500), tag('churn@deprecated#7', 'c3', 600)), true)
    assert.equal(after(tag('churn@v0.0.4', 'c4', 500)), false)
    // Registered in the same second, v0.0.4 sorts before the counted deprecation tag; being above
    // v0.0.3, on whose commit the deprecation sits, it still came later.
    assert.equal(after(tag('churn@v0.0.4', 'c4', 400)), false)
    assert.equal(buildModelState(churn, [tag('churn#prod#1', 'c9', 100), tag('churn@deprecated#2', 'c9', 100)]).deprecated, true)
  })

  it('history lists events oldest first with the version of each stage move', () => {
    const state = buildModelState(churn, [tag('churn#prod#3', 'c1', 400), ...versions.slice(0, 2)])
    assert.deepEqual(
      state.events.map((e) => `${e.type} ${e.version ?? ''} ${e.stage ?? ''}`.trim()),
      ['registered v0.0.1', 'registered v0.0.2', 'assigned v0.0.1 prod'],
    )
  })
})
