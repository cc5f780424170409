// The floor of the serve benchmark: a bare node:http server answering every request with one fixed
// JSON body (a V2 inference response), reading and discarding the request body as a real server must.
// Prints "listening on http://127.0.0.1:<port>" on stderr once it listens.
import { createServer } from 'node:http'

const body = JSON.stringify({ model_name: 'churn', model_version: '1', outputs: [{ name: 'label', datatype: 'INT64', shape: [1], data: [0] }] })
const server = createServer((req, res) => {
  req.resume()
  req.once('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
  })
})
server.keepAliveTimeout = 5000
server.listen(0, '127.0.0.1', () => process.stderr.write(`listening on http://127.0.0.1:${server.address().port}\n`))
process.once('SIGTERM', () => server.close(() => process.exit(0)))
