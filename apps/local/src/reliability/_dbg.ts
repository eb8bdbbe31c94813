import { runScenario } from './run-scenario.js';
import { scenarioFor } from './scenario-model.js';
import { startSharedServices } from './shared-services.js';
const seeds = process.argv.slice(3).map(Number);
const rounds = Number(process.argv[2]);
const shared = await startSharedServices();
outer: for (let round = 0; round < rounds; round++) {
  for (const seed of seeds) {
    const r = await runScenario(shared, scenarioFor(seed), seed, `dbg_${Date.now().toString(36)}`);
    console.log(round, seed, r.converged, r.lostChanges, r.resurrections);
    if (!r.converged) { console.log(r.examples.join('\n')); break outer; }
  }
}
await shared.stop();
