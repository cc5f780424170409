import assert from 'node:assert/strict'
import { test } from 'node:test'
import { escapeData, escapeProperty, formatCommand } from '../../src/action/workflow-commands.js'

test('message escaping keeps %, CR and LF from ending or faking a command', () => {
  assert.equal(escapeData('50% done\r\nnext: a,b'), '50%25 done%0D%0Anext: a,b')
})

test('property escaping also escapes : and , which end a property value', () => {
  assert.equal(escapeProperty('C:\\dir,x\n%'), 'C%3A\\dir%2Cx%0A%25')
})

test('an annotation command carries its properties in order and leaves out unset ones', () => {
  assert.equal(
    formatCommand('error', { title: 'bad: spec', file: 'models/a,b/model.yaml', line: 3, endLine: undefined, col: 7 }, 'line one\nline two'),
    '::error title=bad%3A spec,file=models/a%2Cb/model.yaml,line=3,col=7::line one%0Aline two',
  )
  assert.equal(formatCommand('endgroup', {}, ''), '::endgroup::')
})
