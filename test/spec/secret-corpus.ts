/**
 * The secret corpus: real-format (but fake) credentials and look-alikes, each placed in a model
 * spec, with the expected verdict. `secret` is the part that must never be printed; an entry
 * without one must raise no secret finding. Add an entry for every miss or false alarm found.
 * The secrets are made up: they follow each issuer's published format and grant nothing.
 */

/** One placement: `params` lines go under train.params (4-space indented), `edit` rewrites the spec. */
export interface SecretCase {
  name: string
  params?: string
  edit?: (spec: string) => string
  /** The text that must be found and never echoed; undefined for a look-alike that must pass. */
  secret?: string
}

const AZURE_KEY = 'Zx9/Qm2+Lp7Rt4Vw8Yb1Nc6Hd3Jf5Kg0Ms2Pq7TaZx9/Qm2+Lp7Rt4Vw8Yb1Nc6Hd3Jf5Kg0Ms2Pq7TaQm2+Lp7R=='
const PRIVATE_KEY = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', '-----END RSA PRIVATE KEY-----'].join('\n')

/** Under `description`, replacing the fixture's. */
const description = (text: string) => (spec: string) => spec.replace(/^description: .*$/m, `description: ${text}`)
/** As an argument of train.command. */
const argument = (text: string) => (spec: string) => spec.replace('--out, "${outputs}/model.onnx"]', `--out, "\${outputs}/model.onnx", ${text}]`)

export const SECRET_CASES: readonly SecretCase[] = [
  // Token formats, under a neutral key.
  { name: 'GitHub classic token', params: 'note: ghp_R2d2C3poXwingYodaLukeLeia0123456789ab', secret: 'R2d2C3poXwingYodaLukeLeia' },
  { name: 'GitHub OAuth token', params: 'note: gho_16C7e42F292c6912E7710c838347Ae178B4a', secret: '16C7e42F292c6912E7710c8' },
  { name: 'GitHub fine-grained token', params: 'note: github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ', secret: 'abcdefghijklmnopqrstuvwxyz' },
  { name: 'GitLab personal token', params: 'note: glpat-Zq8xK2mN4pR6tV8wY0aB', secret: 'Zq8xK2mN4pR6tV8wY0aB' },
  { name: 'AWS access key id', params: 'note: AKIAIOSFODNN7EXAMPLE', secret: 'IOSFODNN7EXAMPLE' },
  { name: 'AWS secret key under a neutral name', params: 'value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', secret: 'wJalrXUtnFEMI/K7MDENG' },
  { name: 'AWS secret key inside text', params: 'note: "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', secret: 'wJalrXUtnFEMI/K7MDENG' },
  { name: 'Slack bot token', params: 'note: xoxb-123456789012-abcdefghijklmnop', secret: '123456789012-abcdefghijkl' },
  { name: 'Google API key', params: 'note: AIzaSyA1234567890abcdefghijklmnopqrstuv', secret: 'SyA1234567890abcdefghij' },
  { name: 'OpenAI project key', params: 'note: sk-proj-abcdefghijklmnopqrstuvwxyz012345', secret: 'abcdefghijklmnopqrstuvwxyz' },
  { name: 'Anthropic key', params: 'note: sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789', secret: 'abcdefghijklmnopqrstuvwxyz' },
  { name: 'Stripe live secret key', params: 'note: sk_live_4eC39HqLyjWDarjtT1zdp7dc', secret: '4eC39HqLyjWDarjtT1zdp7dc' },
  { name: 'Stripe restricted key', params: 'note: rk_live_51H8xYzAbCdEfGhIjKlMnOpQr', secret: '51H8xYzAbCdEfGhIjKlMnOpQr' },
  { name: 'npm token', params: 'note: npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', secret: 'AbCdEfGhIjKlMnOpQrStUvWxYz' },
  { name: 'Hugging Face token', params: 'note: hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh', secret: 'AbCdEfGhIjKlMnOpQrStUvWx' },
  {
    name: 'JSON Web Token',
    params: 'note: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    secret: 'dozjgNryP4J3jVmNHl0w5N',
  },
  { name: 'Bearer header', params: 'headers: "Authorization: Bearer abcdef0123456789ABCDEFxyz"', secret: 'abcdef0123456789ABCDEF' },
  { name: 'Basic header', params: 'headers: "Authorization: Basic dXNlcjpodW50ZXIyMjI="', secret: 'dXNlcjpodW50ZXIyMjI' },
  {
    name: 'Azure storage connection string',
    params: `storage: "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${AZURE_KEY};EndpointSuffix=core.windows.net"`,
    secret: AZURE_KEY.slice(0, 30),
  },
  {
    name: 'Azure Service Bus connection string',
    params: `bus: "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=${AZURE_KEY.slice(0, 44)}"`,
    secret: AZURE_KEY.slice(0, 30),
  },
  {
    name: 'Azure SAS URL',
    params: 'blob: "https://acct.blob.core.windows.net/c/f.csv?sv=2022-11-02&ss=b&sp=r&se=2030-01-01&sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789%2B%2F%3D"',
    secret: 'AbCdEfGhIjKlMnOpQrStUvWxYz0123',
  },
  { name: 'database URL with a password', params: 'db: "postgres://admin:Zq8xk2Secret@db.example.com/models"', secret: 'Zq8xk2Secret' },
  { name: 'private key', params: `deploy-key: |\n      ${PRIVATE_KEY.split('\n').join('\n      ')}`, secret: 'MIIEowIBAAKCAQEAu1SU1LfVLPHC' },
  // Under keys that name a credential.
  { name: 'password', params: 'password: hunter2x', secret: 'hunter2x' },
  { name: 'numeric password', params: 'db-password: 12345678', secret: '12345678' },
  { name: 'camelCase password key', params: 'dbPassword: Tr0ub4dor&3', secret: 'Tr0ub4dor&3' },
  { name: 'random api key', params: 'api_key: 9f86d081884c7d659a2feaa0c55ad015', secret: '9f86d081884c7d659a2feaa0c55ad015' },
  { name: 'random client secret', params: 'client-secret: q8V2mZ7xK4pL9rT1wY6bN3cH', secret: 'q8V2mZ7xK4pL9rT1wY6bN3cH' },
  // Other placements.
  { name: 'secret used as a key', params: 'ghp_R2d2C3poXwingYodaLukeLeia0123456789ab: 1', secret: 'R2d2C3poXwingYodaLukeLeia' },
  { name: 'token in the description', edit: description('"uses ghp_R2d2C3poXwingYodaLukeLeia0123456789ab to fetch"'), secret: 'R2d2C3poXwingYodaLukeLeia' },
  { name: 'argument after a --password flag', edit: argument('--password, hunter2x'), secret: 'hunter2x' },
  { name: 'key in an --api-key= argument', edit: argument('"--api-key=sk-proj-abcdefghijklmnopqrstuvwxyz012345"'), secret: 'abcdefghijklmnopqrstuvwxyz' },
  { name: 'password= in an argument', edit: argument('"--db=password=hunter2x"'), secret: 'hunter2x' },

  // Look-alikes: references to secrets and ordinary values that must pass.
  { name: 'Actions secret reference', params: 'token: "${{ secrets.HF_TOKEN }}"' },
  { name: 'environment variable reference', params: 'api_key: $WANDB_API_KEY' },
  { name: 'braced environment variable', params: 'password: "${DB_PASSWORD}"' },
  { name: 'secret named in capitals', params: 'secret: MY_SECRET_NAME' },
  { name: 'pwd_dir (a folder)', params: 'pwd_dir: /home/runner/work/models' },
  { name: 'pwd-dir (a folder)', params: 'pwd-dir: models/churn' },
  { name: 'password file path', params: 'password-file: secrets/db.txt' },
  { name: 'token name', params: 'token-name: k3j4h5g6f7d8s9a0q1w2e3r4t5y6' },
  { name: 'password policy', params: 'password-min-length: 12' },
  { name: 'tokenizer', params: 'tokenizer: bert-base-uncased' },
  { name: 'max tokens', params: 'max-tokens: 512' },
  { name: 'random-looking text under a neutral key', params: 'seed-text: Xk3j4h5g6f7d8s9a0q1w' },
  { name: "'Basic' and 'Bearer' as words", edit: description('"Basic classification model; reads a Bearer token from the environment"') },
  { name: 'git commit id', params: 'commit: 3f786850e387550fdab836ed7e6dc881de23001b' },
  { name: 'sha256 digest in base64', params: 'digest: 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' },
  { name: 'long data path', params: 'archive: data/churn/archive/2024/part-000001/train.csv' },
  { name: 'database URL without a password', params: 'db: "postgres://db.example.com:5432/models"' },
  { name: 'database URL with a password reference', params: 'db: "postgres://admin:${DB_PASSWORD}@db.example.com/models"' },
  { name: 'hf_ and npm_ words', params: 'loader: hf_hub_download_and_cache_the_model_files' },
  { name: 'uuid', params: 'run-id: 123e4567-e89b-12d3-a456-426614174000' },
]
