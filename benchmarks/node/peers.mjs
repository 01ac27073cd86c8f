// Benchmark harness for the JavaScript SHACL engines (issue 18), run by benchmarks/bench_peers.py.
//
// Usage: node peers.mjs ENGINE SHAPES.nt DATA_DIR REPEATS
//   ENGINE: shacl-engine | rdf-validate-shacl
// The npm packages (shacl-engine, rdf-validate-shacl, rdf-ext, @zazuko/env, n3) are installed by the Python
// driver into a throwaway folder (benchmarks/results/.node-peers, gitignored) and found through
// NODE_PATH; nothing here is a dependency of drugpolicy-kg. Every data file is parsed first
// (not timed); the validator is built once; one warm-up pass; then REPEATS timed passes over all
// plans. Prints one JSON line: {"runs": [seconds...], "violations": n, "plans": n, "version": v}.
// Part of drugpolicy-kg (same licence as the project).

import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(join(process.env.PEERS_DIR, 'package.json'))
const [engine, shapesFile, dataDir, repeatsText] = process.argv.slice(2)
const repeats = Number(repeatsText)
const { default: rdf } = await import(require.resolve('rdf-ext'))
const N3 = await import(require.resolve('n3'))

const SH = 'http://www.w3.org/ns/shacl#'
function load (file) {
  const quads = new N3.Parser({ format: 'N-Triples', factory: rdf }).parse(readFileSync(file, 'utf8'))
  return rdf.dataset(quads)
}

const shapes = load(shapesFile)
const files = readdirSync(dataDir).filter(f => f.endsWith('.nt')).sort()
const datasets = files.map(f => load(join(dataDir, f)))

let validate
let version
if (engine === 'shacl-engine') {
  const { Validator } = await import(require.resolve('shacl-engine'))
  version = JSON.parse(readFileSync(require.resolve('shacl-engine/package.json'), 'utf8')).version
  const validator = new Validator(shapes, { factory: rdf })
  validate = async dataset => validator.validate({ dataset })
} else if (engine === 'rdf-validate-shacl') {
  const { default: SHACLValidator } = await import(require.resolve('rdf-validate-shacl'))
  const { default: env } = await import(require.resolve('@zazuko/env'))
  version = JSON.parse(readFileSync(require.resolve('rdf-validate-shacl/package.json'), 'utf8')).version
  const validator = new SHACLValidator(shapes, { factory: env })
  validate = async dataset => validator.validate(dataset)
} else {
  throw new Error(`unknown engine ${engine}`)
}

async function once () {
  let violations = 0
  for (const dataset of datasets) {
    const report = await validate(dataset)
    for (const result of report.results) {
      if (result.severity && result.severity.value === SH + 'Violation') violations++
    }
  }
  return violations
}

const violations = await once()
const runs = []
for (let i = 0; i < repeats; i++) {
  const t = process.hrtime.bigint()
  await once()
  runs.push(Number(process.hrtime.bigint() - t) / 1e9)
}
console.log(JSON.stringify({ runs, violations, plans: files.length, version }))
