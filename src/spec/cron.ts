/**
 * Checks the 5-field cron expressions GitHub Actions schedules accept (POSIX cron): minute, hour,
 * day of month, month (1-12 or JAN-DEC), day of week (0-6 or SUN-SAT); each field a `*`, a value,
 * a range `a-b`, a step `*\/n`, `a-b/n` or `a/n`, or a comma list of those. No macros (`@daily`),
 * no seconds field, no `?`/`L`/`W`/`#`: GitHub does not run them.
 */

interface CronField {
  name: string
  min: number
  max: number
  names?: readonly string[]
  namesLabel?: string
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesLabel: 'JAN-DEC' },
  { name: 'day-of-week', min: 0, max: 6, names: DAYS, namesLabel: 'SUN-SAT' },
]

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}

const EXAMPLE = "e.g. '0 6 * * *' (every day at 06:00 UTC)"

function expected(field: CronField): string {
  const range = `${field.min}-${field.max}`
  return field.namesLabel ? `${range} or ${field.namesLabel}` : range
}

/** Parses one value of a field; returns the number or a message. */
function parseValue(text: string, field: CronField): number | string {
  if (/^\d+$/.test(text)) {
    const value = Number(text)
    if (value < field.min || value > field.max) return `${field.name} '${text}' is out of range; expected ${expected(field)}`
    return value
  }
  const index = field.names?.indexOf(text.toUpperCase() as never) ?? -1
  if (index >= 0) return index + field.min
  return `'${text}' is not a valid ${field.name}; expected ${expected(field)}`
}

function checkItem(item: string, field: CronField): string | undefined {
  if (item === '') return `${field.name} has an empty list item; remove the extra comma`
  const [base = '', step, extra] = item.split('/')
  if (extra !== undefined) return `'${item}' in ${field.name} has two steps; write one, e.g. '*/15'`
  if (step !== undefined) {
    if (!/^\d+$/.test(step)) return `step '${step}' in ${field.name} is not a whole number; write e.g. '*/15'`
    if (Number(step) < 1) return `step '${step}' in ${field.name} must be at least 1`
    if (Number(step) > field.max - field.min + 1) return `step '${step}' in ${field.name} is larger than its range ${field.min}-${field.max}`
  }
  if (base === '*') return undefined
  const bounds = base.split('-')
  if (bounds.length > 2) return `'${base}' in ${field.name} is not a range; write it as 'a-b'`
  const [lowText = '', highText] = bounds
  const low = parseValue(lowText, field)
  if (typeof low === 'string') return low
  if (highText === undefined) return undefined
  const high = parseValue(highText, field)
  if (typeof high === 'string') return high
  if (high < low) return `range '${base}' in ${field.name} runs backwards; write it as '${highText}-${lowText}'`
  return undefined
}

/** Returns a message saying what is wrong with a cron expression, or undefined when it is valid. */
export function checkCron(expression: string): string | undefined {
  const text = expression.trim()
  const macro = MACROS[text.toLowerCase()]
  if (macro) return `'${text}' is a cron macro GitHub Actions does not run; write the 5 fields instead: '${macro}'`
  const parts = text === '' ? [] : text.split(/\s+/)
  if (parts.length !== FIELDS.length) {
    return `'${text}' has ${parts.length} field${parts.length === 1 ? '' : 's'}; a cron expression has 5: minute hour day-of-month month day-of-week, ${EXAMPLE}`
  }
  for (const [index, part] of parts.entries()) {
    const field = FIELDS[index]!
    for (const item of part.split(',')) {
      const problem = checkItem(item, field)
      if (problem) return `'${text}': ${problem}`
    }
  }
  return undefined
}
