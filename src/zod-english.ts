/**
 * Imported for its effect by every module that parses with zod: gives zod/mini zod's English
 * messages ("Invalid input: expected number, received NaN"). Zod's classic API loads them with its
 * first schema; zod/mini loads no locale, and without one every issue reads just "Invalid input".
 * Our messages quote zod's, so they must not depend on whether some other module loaded classic zod.
 */
import * as z from 'zod/mini'

z.config(z.locales.en())
