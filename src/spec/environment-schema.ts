/**
 * The desired state of one environment, `deploy/<environment>.yaml`: which model versions serve
 * there and how traffic splits between the versions of each model (each model's shares add up to 100).
 */
import * as z from 'zod/mini'
import { described } from '../described.js'
import { apiVersionSchema, environmentNameSchema, kindSchema, modelNameSchema, versionSchema } from './fields.js'
import { specObject } from './keys.js'

/** One deployed model version and its share of that model's traffic. */
export const DeployedModelSpecSchema = specObject({
  model: modelNameSchema,
  version: versionSchema,
  traffic: described(z._default(z.number().check(z.gte(0), z.lte(100)), 100), "percent of this model's requests served by this version; default 100"),
})

/** The whole environment file. */
export const EnvironmentSpecSchema = described(
  specObject({
    apiVersion: apiVersionSchema,
    kind: kindSchema('Environment'),
    name: described(environmentNameSchema, 'environment name; matches the file name deploy/<name>.yaml', ['production']),
    models: described(
      z._default(z.array(DeployedModelSpecSchema), []),
      'model versions served in this environment; the versions of each model share 100% of its traffic',
    ),
  }),
  'deploy/<environment>.yaml: the model versions an environment should serve (desired state)',
)

/** A valid environment file, camelCase; versions always carry the leading 'v'. */
export type EnvironmentSpec = z.output<typeof EnvironmentSpecSchema>
/** One of `models` in an environment file. */
export type DeployedModelSpec = EnvironmentSpec['models'][number]
