/**
 * Imported first by every action bundle (see scripts/build.mjs): turns off zod's JIT before any
 * schema exists. The JIT generates and compiles a parser per object schema, which pays off in a
 * long-running server but only adds start-up time to an action that parses a few files once.
 */
import * as z from 'zod/mini'

z.config({ jitless: true })
