import { cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  readonly cpus: number;
  readonly model: string;
  readonly memoryBytes: number;
  readonly node: string;
  readonly platform: string;
  /** 1, 5 and 15 minute load averages when the part started (other processes share the cores). */
  readonly loadAverage: readonly number[];
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: currentLoad(),
  };
}

export function currentLoad(): number[] {
  return loadavg().map((l) => Number(l.toFixed(2)));
}
