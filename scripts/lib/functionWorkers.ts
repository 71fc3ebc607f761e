/**
 * The Functions emulator runs each invocation in a worker process (functionsEmulatorRuntime).
 * The chaos harness kills those workers, by process id, to crash functions mid-execution the
 * way a dying instance would. Only the workers of the emulator suite this process runs inside
 * (its own `firebase emulators:exec` ancestor) are ever touched.
 */
import { readFileSync, readdirSync } from "node:fs";

interface Proc {
  pid: number;
  ppid: number;
  cpuTicks: number;
  /** Seconds since the process started. */
  ageSec: number;
  cmdline: string;
}

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SEC = 100;

function readProc(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: fields after it start past the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    const uptimeSec = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    const ageSec = uptimeSec - Number(fields[19]) / TICKS_PER_SEC;
    return { pid, ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]), ageSec, cmdline };
  } catch {
    return null; // the process ended meanwhile
  }
}

/** The `firebase emulators:exec` process this script runs under, or null. */
export function emulatorSuitePid(): number | null {
  for (let proc = readProc(process.pid); proc && proc.pid > 1; proc = readProc(proc.ppid)) {
    if (/firebase.* emulators:(exec|start)/.test(proc.cmdline)) return proc.pid;
  }
  return null;
}

const MIN_WORKER_AGE_SEC = 10;

function workersOf(suitePid: number): Proc[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProc(Number(name)))
    .filter((p): p is Proc => p !== null && p.ppid === suitePid && p.cmdline.includes("functionsEmulatorRuntime"));
}

/**
 * Kills one worker of the suite that is busy (it used CPU over the last `sampleMs`) and past its
 * start-up (a worker killed while loading loses a delivery before any function code ran, which
 * proves less), chosen with `random`. Returns its pid, or null when no worker was busy.
 */
export async function killBusyWorker(suitePid: number, random: () => number, sampleMs = 150): Promise<number | null> {
  const before = new Map(workersOf(suitePid).map((p) => [p.pid, p.cpuTicks]));
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const busy = workersOf(suitePid).filter(
    (p) => p.ageSec > MIN_WORKER_AGE_SEC && before.has(p.pid) && p.cpuTicks > (before.get(p.pid) ?? 0),
  );
  if (busy.length === 0) return null;
  const victim = busy[Math.floor(random() * busy.length)];
  try {
    process.kill(victim.pid, "SIGKILL");
    return victim.pid;
  } catch {
    return null;
  }
}
