import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkCron } from '../../src/spec/index.js'

describe('checkCron', () => {
  for (const expression of ['0 6 * * *', '*/5 * * * *', '0 0-23/2 1,15 JAN-MAR,oct mon-fri', '59 23 31 12 6', '0 6 * * SUN', '5/10 * * * *', ' 0  6 * * * ']) {
    it(`accepts '${expression}'`, () => assert.equal(checkCron(expression), undefined))
  }
  const invalid: Array<[string, string]> = [
    ['', "'' has 0 fields; a cron expression has 5: minute hour day-of-month month day-of-week, e.g. '0 6 * * *' (every day at 06:00 UTC)"],
    ['0 0 6 * * *', "'0 0 6 * * *' has 6 fields; a cron expression has 5: minute hour day-of-month month day-of-week, e.g. '0 6 * * *' (every day at 06:00 UTC)"],
    ['60 * * * *', "'60 * * * *': minute '60' is out of range; expected 0-59"],
    ['0 0 0 * *', "'0 0 0 * *': day-of-month '0' is out of range; expected 1-31"],
    ['0 0 * 13 *', "'0 0 * 13 *': month '13' is out of range; expected 1-12 or JAN-DEC"],
    ['0 0 * * 7', "'0 0 * * 7': day-of-week '7' is out of range; expected 0-6 or SUN-SAT"],
    ['*/0 * * * *', "'*/0 * * * *': step '0' in minute must be at least 1"],
    ['*/x * * * *', "'*/x * * * *': step 'x' in minute is not a whole number; write e.g. '*/15'"],
    ['*/90 * * * *', "'*/90 * * * *': step '90' in minute is larger than its range 0-59"],
    ['1-2-3 * * * *', "'1-2-3 * * * *': '1-2-3' in minute is not a range; write it as 'a-b'"],
    ['1,,2 * * * *', "'1,,2 * * * *': minute has an empty list item; remove the extra comma"],
    ['0 0 * * MON/2/3', "'0 0 * * MON/2/3': 'MON/2/3' in day-of-week has two steps; write one, e.g. '*/15'"],
    ['0 0 ? * *', "'0 0 ? * *': '?' is not a valid day-of-month; expected 1-31"],
    ['0 0 * * FOO', "'0 0 * * FOO': 'FOO' is not a valid day-of-week; expected 0-6 or SUN-SAT"],
    ['@hourly', "'@hourly' is a cron macro GitHub Actions does not run; write the 5 fields instead: '0 * * * *'"],
  ]
  for (const [expression, message] of invalid) {
    it(`rejects '${expression}'`, () => assert.equal(checkCron(expression), message))
  }
})
