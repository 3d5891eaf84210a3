/** CPU and memory of the process this runs in, and of the whole machine, as the bench reports them. */
import { cpus } from 'node:os';

export interface CpuMark {
  readonly wallMs: number;
  readonly usage: NodeJS.CpuUsage;
}

export interface CpuUse {
  readonly wallMs: number;
  /** User + system CPU time. */
  readonly cpuMs: number;
  /** cpuMs / wallMs: 1 is one core fully busy. */
  readonly cores: number;
}

export const cpuMark = (): CpuMark => ({ wallMs: performance.now(), usage: process.cpuUsage() });

export function cpuSince(mark: CpuMark): CpuUse {
  const used = process.cpuUsage(mark.usage);
  const wallMs = performance.now() - mark.wallMs;
  const cpuMs = (used.user + used.system) / 1000;
  return { wallMs, cpuMs, cores: wallMs > 0 ? cpuMs / wallMs : 0 };
}

export interface Memory {
  readonly heapUsed: number;
  readonly rss: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** Memory after full collections; needs --expose-gc, and says so without it. */
export async function heapAfterGc(): Promise<Memory> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('memory is measured with node --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage();
  return { heapUsed, rss, external, arrayBuffers };
}

export interface MachineMark {
  readonly busy: number;
  readonly total: number;
}

/** CPU time of the whole machine, all cores, so far. */
export function machineMark(): MachineMark {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    busy += all - times.idle;
    total += all;
  }
  return { busy, total };
}

/** Cores the whole machine kept busy since the mark: every process, the bench's and others'. */
export function machineCoresSince(mark: MachineMark): number {
  const now = machineMark();
  const total = now.total - mark.total;
  return total > 0 ? ((now.busy - mark.busy) / total) * cpus().length : 0;
}
