/**
 * Property tests print their seed and can be replayed: fast-check's global seed comes from
 * PROPERTY_SEED when set (CI sets a fixed one), otherwise a fresh one, printed either way.
 */
import fc from 'fast-check';

const seed = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : (Date.now() ^ (Math.random() * 0x100000000)) >>> 0;
fc.configureGlobal({ seed, numRuns: Number(process.env.PROPERTY_RUNS ?? 100) });
console.log(`fast-check seed ${seed} (replay with PROPERTY_SEED=${seed})`);
