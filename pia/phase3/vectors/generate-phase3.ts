/**
 * Writes phase3.json: the regression vectors computed by this implementation from the pinned
 * inputs in phase3-vectors.ts. Run only for an intended change of §9's wire format or key
 * schedule (and change docs/protocol.md §9 in the same commit):
 *   npx tsx pia/phase3/vectors/generate-phase3.ts
 */
import { writeFileSync } from 'node:fs';
import { PHASE3_INPUTS, computePhase3 } from './phase3-vectors.js';

const outputs = await computePhase3(PHASE3_INPUTS);
const file = new URL('./phase3.json', import.meta.url);
writeFileSync(file, `${JSON.stringify({ source: 'self-generated regression vectors (pia/phase3/vectors/generate-phase3.ts); see README.md', inputs: PHASE3_INPUTS, outputs }, null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
