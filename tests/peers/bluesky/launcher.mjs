// Local Bluesky test peer: an in-memory PLC directory and a PDS 0.4.x, loopback only.
//
// Usage: node launcher.mjs   (stdin must be a pipe: the launcher exits when it closes,
// so a crashed test run leaves no server behind; it also exits on SIGTERM/SIGINT).
// When ready it prints ONE JSON line on stdout:
//   {"pds_url": "http://localhost:P", "plc_url": "http://localhost:Q", "pid": N}
// Extra endpoints on the PDS port, for tests only:
//   GET  /_test/counts        -> {"com.atproto.server.createSession": n, ...} (XRPC calls by NSID)
//   POST /_test/counts/reset  -> zeroes the counters
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'

// Logs are off unless LOG_ENABLED is set; then keep them off stdout (the ready line lives there).
if (process.env.LOG_ENABLED && !process.env.LOG_DESTINATION) {
  process.env.LOG_DESTINATION = '/dev/stderr'
}
// Dynamic imports so the env tweak above is seen by the packages' loggers.
const { PDS, envToCfg, envToSecrets } = await import('@atproto/pds')
const { Secp256k1Keypair } = await import('@atproto/crypto')
const { PlcServer, Database } = await import('@did-plc/server')

const HOST = '127.0.0.1'
const ALWAYS_COUNTED = ['com.atproto.server.createSession', 'com.atproto.server.refreshSession']
let counts = {}
const resetCounts = () => {
  counts = Object.fromEntries(ALWAYS_COUNTED.map((nsid) => [nsid, 0]))
}
resetCounts()

/** Bind a server to loopback on a free port first, so the PDS config can carry the real port. */
async function bindLoopback() {
  const server = http.createServer()
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, resolve)
  })
  return server
}

/** Both packages call app.listen(port) (all interfaces): hand them our loopback server instead. */
function useServer(app, server, handler) {
  app.listen = () => {
    server.on('request', handler)
    process.nextTick(() => server.emit('listening')) // start() awaits this event
    return server
  }
}

/** Wraps the PDS app: counts XRPC calls by NSID and serves the /_test/counts endpoints. */
function countingHandler(app) {
  return (req, res) => {
    const { pathname } = new URL(req.url, 'http://localhost')
    if (pathname === '/_test/counts' || pathname === '/_test/counts/reset') {
      if (pathname.endsWith('/reset') && req.method === 'POST') resetCounts()
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(counts))
      return
    }
    const match = /^\/xrpc\/([^/]+)$/.exec(pathname)
    if (match) counts[match[1]] = (counts[match[1]] ?? 0) + 1
    app(req, res)
  }
}

const tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'openpost-pds-'))
let plc
let pds
let stopping = false

async function shutdown(code = 0) {
  if (stopping) return
  stopping = true
  setTimeout(() => process.exit(code), 5000).unref() // never hang on a stuck destroy()
  try {
    await pds?.destroy()
    await plc?.destroy()
  } catch (err) {
    console.error('pds launcher: error while stopping', err)
  }
  await fs.rm(tmpDir, { recursive: true, force: true })
  process.exit(code)
}

process.on('SIGTERM', () => shutdown(0))
process.on('SIGINT', () => shutdown(0))
process.stdin.on('end', () => shutdown(0))
process.stdin.on('close', () => shutdown(0))
process.stdin.on('error', () => shutdown(0))
process.stdin.resume()

try {
  const plcServer = await bindLoopback()
  const plcPort = plcServer.address().port
  plc = PlcServer.create({ db: Database.mock(), port: plcPort })
  useServer(plc.app, plcServer, plc.app)
  await plc.start()

  const pdsServer = await bindLoopback()
  const pdsPort = pdsServer.address().port
  const rotationKey = await Secp256k1Keypair.create({ exportable: true })
  const env = {
    hostname: 'localhost',
    port: pdsPort,
    devMode: true,
    dataDirectory: tmpDir,
    blobstoreDiskLocation: path.join(tmpDir, 'blobs'),
    didPlcUrl: `http://localhost:${plcPort}`, // a host name: an IP literal fails DID resolution
    jwtSecret: crypto.randomBytes(32).toString('hex'),
    adminPassword: crypto.randomBytes(16).toString('hex'),
    plcRotationKeyK256PrivateKeyHex: Buffer.from(await rotationKey.export()).toString('hex'),
    serviceHandleDomains: ['.test'],
    inviteRequired: false,
    disableSsrfProtection: true,
    crawlers: [],
    enableDidDocWithSession: true, // like bsky.social: the SDK takes the PDS URL from it
  }
  pds = await PDS.create(envToCfg(env), envToSecrets(env))
  useServer(pds.app, pdsServer, countingHandler(pds.app))
  await pds.start()

  const ready = {
    pds_url: `http://localhost:${pdsPort}`,
    plc_url: `http://localhost:${plcPort}`,
    pid: process.pid,
  }
  process.stdout.write(JSON.stringify(ready) + '\n')
} catch (err) {
  console.error('pds launcher: failed to start', err)
  await shutdown(1)
}
