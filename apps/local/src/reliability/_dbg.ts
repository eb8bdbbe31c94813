import { runScenario } from './run-scenario.js';
import { scenarioFor } from './scenario-model.js';
import { startSharedServices } from './shared-services.js';
const seed = Number(process.argv[2]);
const shared = await startSharedServices();
for (let i = 0; i < Number(process.argv[3] ?? 1); i++) {
  const lines: string[] = [];
  const r = await runScenario(shared, scenarioFor(seed), seed, `dbg_${Date.now().toString(36)}_${i}`, (l) => lines.push(l));
  console.log(i, r.converged, r.lostChanges, JSON.stringify(r.injected), r.examples.join(' | '));
  if (!r.converged) { console.log(lines.join('\n')); console.log(JSON.stringify(scenarioFor(seed).operations)); break; }
}
await shared.stop();
