/**
 * What `modelship init` reads from a data file: the task (from the target column), the features
 * and their kinds, columns it leaves out (identifiers), and sensitive features proposed by name.
 */
import type { Task } from '../metrics/catalog.js'
import type { Column, DataTable } from '../data/table.js'
import { NULL_CODE } from '../data/table.js'
import { DataError } from '../errors.js'

/** A numeric target with at most this many distinct whole values is taken as classes (0/1, ratings). */
export const MAX_CLASSES = 20

/** Column names that suggest a protected attribute (matched as whole words of the name). */
const SENSITIVE_WORDS = [
  'gender', 'sex', 'age', 'race', 'ethnicity', 'ethnic', 'religion', 'religious', 'nationality',
  'citizenship', 'disability', 'disabled', 'marital', 'pregnancy', 'pregnant', 'orientation', 'caste',
  'veteran', 'birth', 'dob', 'colour', 'color', 'language',
] as const

/** One input column and how the data holds it. */
export interface InferredFeature {
  name: string
  kind: 'numeric' | 'categorical'
  /** Distinct non-null values (categorical only). */
  categories?: number
}

/** Everything init decided from the data, with the reasons it prints. */
export interface InferredModel {
  task: Task
  /** Why this task, in words. */
  taskReason: string
  /** Classes of a classification target, sorted as scikit-learn sorts them. */
  classes: readonly (string | number)[]
  features: InferredFeature[]
  /** Columns neither target nor feature, with why. */
  left: { name: string; reason: string }[]
  /** Columns whose names suggest a protected attribute: proposed, not enabled. */
  sensitive: string[]
  rows: number
}

/** Infers task, features and sensitive proposals from a table that holds every column of the file. */
export function inferModel(table: DataTable, target: string): InferredModel {
  const targetColumn = table.columns.get(target)
  if (!targetColumn) throw new Error(`inferModel: no column '${target}'`)
  const { task, taskReason, classes } = inferTask(targetColumn, target)
  const features: InferredFeature[] = []
  const left: { name: string; reason: string }[] = []
  const sensitive: string[] = []
  for (const [name, column] of table.columns) {
    if (name === target) continue
    if (isSensitiveName(name)) {
      sensitive.push(name)
      continue
    }
    const distinct = distinctCount(column)
    if (distinct === 0) {
      left.push({ name, reason: 'every value is empty' })
    } else if (distinct === table.rowCount && table.rowCount > 1 && /(^|[_\-\s.])(id|uuid|key)$|^id/i.test(name)) {
      left.push({ name, reason: 'an identifier: every value is different' })
    } else if (column.kind === 'numeric') {
      features.push({ name, kind: 'numeric' })
    } else {
      features.push({ name, kind: 'categorical', categories: distinct })
    }
  }
  return { task, taskReason, classes, features, left, sensitive, rows: table.rowCount }
}

/** True when one of the name's words (split at _, -, space, dots and camelCase) is a sensitive word. */
export function isSensitiveName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
  return words.some((word) => (SENSITIVE_WORDS as readonly string[]).includes(word))
}

function inferTask(column: Column, target: string): { task: Task; taskReason: string; classes: (string | number)[] } {
  if (column.kind === 'categorical') {
    const classes = [...new Set(presentCategories(column))].sort()
    if (classes.length < 2) throw new DataError(singleValue(target, classes))
    const task: Task = classes.length === 2 ? 'binary-classification' : 'multiclass-classification'
    return { task, taskReason: `'${target}' holds text (${classes.length} classes: ${shownClasses(classes)})`, classes }
  }
  const distinct = new Set<number>()
  let whole = true
  for (const value of column.values) {
    if (Number.isNaN(value)) continue
    if (!Number.isInteger(value)) whole = false
    if (distinct.size <= MAX_CLASSES) distinct.add(value)
  }
  const classes = [...distinct].sort((a, b) => a - b)
  if (classes.length < 2) throw new DataError(singleValue(target, classes))
  if (whole && distinct.size <= MAX_CLASSES) {
    const task: Task = distinct.size === 2 ? 'binary-classification' : 'multiclass-classification'
    return { task, taskReason: `'${target}' holds ${distinct.size} distinct whole numbers (${shownClasses(classes)}), at most ${MAX_CLASSES}`, classes }
  }
  const why = whole ? `more than ${MAX_CLASSES} distinct values` : 'fractional values'
  return { task: 'regression', taskReason: `'${target}' is numeric with ${why}`, classes: [] }
}

function singleValue(target: string, classes: readonly (string | number)[]): string {
  const what = classes.length === 0 ? 'no value' : `only one value (${String(classes[0])})`
  return `target '${target}' holds ${what}, so there is nothing to predict; choose another --target or add rows with other values`
}

function shownClasses(classes: readonly (string | number)[]): string {
  const shown = classes.slice(0, 5).map(String).join(', ')
  return classes.length > 5 ? `${shown}, …` : shown
}

function presentCategories(column: Extract<Column, { kind: 'categorical' }>): string[] {
  const seen = new Uint8Array(column.categories.length)
  for (const code of column.codes) if (code !== NULL_CODE) seen[code] = 1
  return column.categories.filter((_, index) => seen[index] === 1)
}

function distinctCount(column: Column): number {
  if (column.kind === 'categorical') return presentCategories(column).length
  const values = new Set<number>()
  for (const value of column.values) if (!Number.isNaN(value)) values.add(value)
  return values.size
}
