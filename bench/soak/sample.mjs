// The soak's sampler: every --every seconds, one JSON line per replica on --out, until SIGTERM or --seconds.
//   node sample.mjs --replicas a:PID:PORT,b:PID:PORT --redis-port N --every 15 --gc-every 4 --seconds 2100 --out F
// Per replica: RSS and open files and threads from /proc; heap, direct buffers, metaspace, code cache and threads
// from the broker's /prometheus; the Netty allocator's memory from /prometheus (ephemera_netty_allocator_*); the
// native memory by NMT category from `jcmd <pid> VM.native_memory summary` (the broker runs with
// -XX:NativeMemoryTracking=summary). Every --gc-every-th sample first runs `jcmd <pid> GC.run` and records the heap
// in use right after it as heap_after_gc (a forced full collection each minute, not each sample: collections are
// part of what is soaked). Once per sample: Redis's DBSIZE and used_memory.
import { execFile } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const opt = {};
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = args[i + 1];
const every = Number(opt.every ?? 15);
const gcEvery = Number(opt['gc-every'] ?? 4);
const replicas = opt.replicas.split(',').map((r) => {
  const [name, pid, port] = r.split(':');
  return { name, pid: Number(pid), port: Number(port) };
});
const jcmd = process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/jcmd` : 'jcmd';

// The Java heap's address range, from `jcmd GC.heap_info` (every collector prints its spaces' bounds).
async function heapRange(pid) {
  const { stdout } = await run(jcmd, [String(pid), 'GC.heap_info'], { timeout: 20_000 });
  const addresses = [...stdout.matchAll(/0x([0-9a-f]{8,16})/g)].map((m) => BigInt('0x' + m[1]));
  return addresses.length ? [addresses.reduce((a, b) => (a < b ? a : b)), addresses.reduce((a, b) => (a > b ? a : b))] : null;
}

// Resident KB of the Java heap's range (committed heap is resident only once touched), and of the C heap: glibc's
// main [heap] and its other arenas (anonymous mappings at 64 MiB-aligned addresses, HEAP_MAX_SIZE on 64-bit).
function smaps(pid, range) {
  let heap = 0, cheap = 0, start = 0n, name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = line.match(/^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/);
    if (m) { start = BigInt('0x' + m[1]); name = m[3]; continue; }
    if (!line.startsWith('Rss:')) continue;
    const kb = Number(line.split(/\s+/)[1]);
    if (range && start >= range[0] && start < range[1]) heap += kb;
    else if (name === '[heap]' || (name === '' && start % (64n << 20n) === 0n)) cheap += kb;
  }
  return { heap_resident_kb: range ? heap : null, c_heap_kb: cheap };
}

function status(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(text.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm'))?.[1] ?? NaN);
  return { rss_kb: field('VmRSS'), threads_os: field('Threads'), fds: readdirSync(`/proc/${pid}/fd`).length };
}

async function prometheus(port) {
  const r = await fetch(`http://127.0.0.1:${port}/prometheus`, { signal: AbortSignal.timeout(5000) });
  const text = await r.text();
  const sum = (name, labels = '') => {
    let total = 0, found = false;
    for (const line of text.split('\n')) {
      if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
      if (!labels.split(',').filter(Boolean).every((l) => line.includes(l))) continue;
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
      found = true;
    }
    return found ? total : null;
  };
  return {
    heap_used: sum('jvm_memory_used_bytes', 'area="heap"'),
    heap_committed: sum('jvm_memory_committed_bytes', 'area="heap"'),
    direct_used: sum('jvm_buffer_memory_used_bytes', 'id="direct"'),
    metaspace_used: sum('jvm_memory_used_bytes', 'id="Metaspace"'),
    // One pool "CodeCache" below a 240 MB reservation, three "CodeHeap '…'" pools above it.
    code_cache_used: sum('jvm_memory_used_bytes', 'id="Code'),
    threads_live: sum('jvm_threads_live_threads'),
    netty_direct_used: sum('ephemera_netty_allocator_used_bytes', 'memory="direct"'),
    netty_heap_used: sum('ephemera_netty_allocator_used_bytes', 'memory="heap"'),
    netty_direct_reserved: sum('ephemera_netty_direct_memory_bytes'),
    relay_sessions: sum('ephemera_relay_sessions_active'),
  };
}

// NMT's committed KB by category, and its totals (malloc: what the JVM itself allocated with malloc).
async function nmt(pid) {
  const { stdout } = await run(jcmd, [String(pid), 'VM.native_memory', 'summary', 'scale=KB'], { timeout: 20_000 });
  const out = {};
  const total = stdout.match(/Total: reserved=(\d+)KB, committed=(\d+)KB/);
  if (total) out.total = Number(total[2]);
  const malloc = stdout.match(/^\s+malloc: (\d+)KB/m);
  if (malloc) out.malloc = Number(malloc[1]);
  for (const m of stdout.matchAll(/^-\s+(.+?) \(reserved=(\d+)KB, committed=(\d+)KB\)/gm)) {
    out[m[1].trim().toLowerCase().replace(/[^a-z]+/g, '_')] = Number(m[3]);
  }
  return out;
}

async function redis() {
  const port = String(opt['redis-port']);
  const keys = await run('redis-cli', ['-p', port, 'DBSIZE'], { timeout: 5000 });
  const info = await run('redis-cli', ['-p', port, 'INFO', 'memory'], { timeout: 5000 });
  return {
    keys: Number(keys.stdout.trim()),
    used_memory: Number(info.stdout.match(/^used_memory:(\d+)/m)?.[1] ?? NaN),
    rss: Number(info.stdout.match(/^used_memory_rss:(\d+)/m)?.[1] ?? NaN),
  };
}

for (const r of replicas) r.range = await heapRange(r.pid).catch(() => null);
let n = 0;
async function sample() {
  const at = Date.now();
  const gc = n % gcEvery === 0;
  n++;
  const shared = await redis().catch((e) => ({ error: e.message }));
  for (const r of replicas) {
    const line = { at, replica: r.name, redis: shared };
    try {
      Object.assign(line, status(r.pid), smaps(r.pid, r.range));
      if (gc) {
        await run(jcmd, [String(r.pid), 'GC.run'], { timeout: 20_000 });
        const p = await prometheus(r.port);
        line.heap_after_gc = p.heap_used;
      }
      Object.assign(line, await prometheus(r.port));
      line.nmt = await nmt(r.pid);
    } catch (e) {
      line.error = e.message;
    }
    appendFileSync(opt.out, JSON.stringify(line) + '\n');
  }
}

const deadline = Date.now() + Number(opt.seconds ?? 3600) * 1000;
process.on('SIGTERM', () => process.exit(0));
while (Date.now() < deadline) {
  const next = Date.now() + every * 1000;
  await sample();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
}
