// The soak's report: reads target/bench-soak (samples.jsonl, load.jsonl, nmt-diff-*.txt), writes Markdown.
//   node report.mjs --work DIR --started MS --warmup MS --load-end MS --end MS --opts '…' --env '…' --duration MIN
// For each series and replica: the first value, the value at the warm-up mark, the last under load, the slope
// over the last half of the load (least squares, per minute, ± two standard errors), the last value after the
// load, and whether it levels off: the slope, carried on for an hour, adds no more than 5% of the last value (or
// a small floor: 4 MB, 2 threads or files, 1% of Redis's keys), beyond its noise (two standard errors).
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

const opt = {};
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = args[i + 1];
const work = opt.work;
const started = Number(opt.started), warmup = Number(opt.warmup), loadEnd = Number(opt['load-end']);
const samples = readFileSync(`${work}/samples.jsonl`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  .filter((s) => !s.error);
const loadLines = readFileSync(`${work}/load.jsonl`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const load = loadLines.find((l) => l.final) ?? loadLines.at(-1) ?? {};

const MB = 1024 * 1024;
const series = [
  ['RSS (VmRSS)', 'MB', (s) => s.rss_kb / 1024],
  ['Java heap resident (smaps; committed heap counts once touched)', 'MB', (s) => (s.heap_resident_kb == null ? null : s.heap_resident_kb / 1024)],
  ['C heap resident (glibc [heap] and arenas, smaps)', 'MB', (s) => s.c_heap_kb / 1024],
  ['heap used after a full GC', 'MB', (s) => (s.heap_after_gc == null ? null : s.heap_after_gc / MB)],
  ['heap committed', 'MB', (s) => s.heap_committed / MB],
  ['direct ByteBuffers (jvm_buffer direct)', 'MB', (s) => s.direct_used / MB],
  ["Netty allocator, direct (adaptive: chunks held)", 'MB', (s) => (s.netty_direct_used == null ? null : s.netty_direct_used / MB)],
  ["Netty allocator, heap", 'MB', (s) => (s.netty_heap_used == null ? null : s.netty_heap_used / MB)],
  ["Netty's direct memory counter", 'MB', (s) => (s.netty_direct_reserved == null || s.netty_direct_reserved < 0 ? null : s.netty_direct_reserved / MB)],
  ['NMT committed, total', 'MB', (s) => s.nmt?.total / 1024],
  ['NMT malloc', 'MB', (s) => s.nmt?.malloc / 1024],
  // RSS beyond what NMT says is committed: memory the JVM never tracked (Netty's malloc'd chunks, the C heap's
  // free but unreturned pages, libraries). Committed but untouched heap makes it smaller, never larger.
  ['RSS minus NMT committed (untracked: Netty chunks, C heap)', 'MB', (s) => (s.rss_kb - s.nmt?.total) / 1024],
  ['metaspace used', 'MB', (s) => s.metaspace_used / MB],
  ['NMT Class (metaspace) committed', 'MB', (s) => s.nmt?.class / 1024],
  ['code cache used', 'MB', (s) => (s.code_cache_used ? s.code_cache_used / MB : null)],
  ['NMT Code committed', 'MB', (s) => s.nmt?.code / 1024],
  ['NMT Thread committed', 'MB', (s) => s.nmt?.thread / 1024],
  ['NMT GC committed', 'MB', (s) => s.nmt?.gc / 1024],
  ['NMT Internal committed', 'MB', (s) => s.nmt?.internal / 1024],
  ['NMT Other committed (JDK direct buffers)', 'MB', (s) => s.nmt?.other / 1024],
  ['NMT Symbol committed', 'MB', (s) => s.nmt?.symbol / 1024],
  ['NMT Arena Chunk committed', 'MB', (s) => s.nmt?.arena_chunk / 1024],
  ['threads (JVM live)', 'threads', (s) => s.threads_live],
  ['threads (OS)', 'threads', (s) => s.threads_os],
  ['open files', 'fds', (s) => s.fds],
  ['relay sessions open', 'sessions', (s) => s.relay_sessions],
];
const shared = [
  ['Redis keys (DBSIZE)', 'keys', (s) => s.redis?.keys],
  ['Redis used_memory', 'MB', (s) => s.redis?.used_memory / MB],
];

function fit(points) {
  const n = points.length;
  if (n < 3) return null;
  const mx = points.reduce((a, p) => a + p[0], 0) / n, my = points.reduce((a, p) => a + p[1], 0) / n;
  let sxx = 0, sxy = 0;
  for (const [x, y] of points) { sxx += (x - mx) ** 2; sxy += (x - mx) * (y - my); }
  const slope = sxy / sxx, icept = my - slope * mx;
  const sse = points.reduce((a, [x, y]) => a + (y - icept - slope * x) ** 2, 0);
  return { slope, se: Math.sqrt(sse / (n - 2) / sxx) };
}

const fmt = (v, unit) => (v == null || Number.isNaN(v) ? '—'
  : unit === 'MB' ? v.toFixed(1) : Math.round(v).toLocaleString('en-US'));
const fmtSlope = (v, unit) => (unit === 'MB' ? v.toFixed(3) : v.toFixed(2));
function floorOf(unit, last) {
  if (unit === 'MB') return 4;
  if (unit === 'keys') return Math.max(50, 0.01 * last);
  return 2;
}

function row(name, unit, pick, rows) {
  const pts = rows.map((s) => [(s.at - started) / 60000, pick(s)]).filter(([, v]) => v != null && !Number.isNaN(v));
  if (pts.length === 0) return null;
  const under = pts.filter(([t]) => t * 60000 + started <= loadEnd);
  const after = pts.filter(([t]) => t * 60000 + started > loadEnd);
  const wm = (warmup - started) / 60000;
  const atWarm = under.reduce((best, p) => (Math.abs(p[0] - wm) < Math.abs(best[0] - wm) ? p : best), under[0]);
  const mid = (loadEnd - started) / 60000 / 2;
  const f = fit(under.filter(([t]) => t >= mid));
  const last = under.at(-1)?.[1];
  let verdict = '—';
  if (f) {
    const perHour = f.slope * 60;
    const allowed = Math.max(0.05 * Math.abs(last), floorOf(unit, Math.abs(last)));
    // Rising means rising beyond the noise: even the slope's lower bound (two standard errors down) adds more.
    const leastPerHour = (f.slope - 2 * f.se) * 60;
    verdict = leastPerHour > allowed ? `**rises** (${fmt(perHour, unit)} ${unit}/h)`
      : perHour < -allowed ? `levels off (falls ${fmt(-perHour, unit)} ${unit}/h)` : 'levels off';
  }
  return `| ${name} | ${fmt(under[0]?.[1], unit)} | ${fmt(atWarm?.[1], unit)} | ${fmt(last, unit)} | `
    + `${f ? `${fmtSlope(f.slope, unit)} ± ${fmtSlope(2 * f.se, unit)}` : '—'} | ${fmt(after.at(-1)?.[1], unit)} | ${unit} | ${verdict} |`;
}

const out = [];
const p = (...lines) => out.push(...lines);
const minutes = (ms) => (ms / 60000).toFixed(1);
const elapsed = load.t_s ?? (loadEnd - started) / 1000;
p(`# Soak — ${new Date(started).toISOString().slice(0, 16)}Z`, '');
p(`Machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, shared with other builds and tests while`
  + ' this ran: rates and latencies are noisy, memory less so.');
p(`Two replicas (a, b) of the packaged broker on one Redis; \`JAVA_TOOL_OPTIONS=${opt.opts}\``
  + `${opt.env?.trim() ? ` and \`${opt.env.trim()}\`` : ''} (k8s/base/configmap.yaml unless overridden), plus`
  + ' `-XX:NativeMemoryTracking=summary`;'
  + ` ephemera.relay.max-session-duration ${opt['max-session'] ?? '30m (the default)'}.`);
p(`Load for ${minutes(loadEnd - started)} min (warm-up mark at ${minutes(warmup - started)} min), then sampled`
  + ` for ${minutes(Number(opt.end) - loadEnd)} min with no load. A sample every ~${samples.length > 2
    ? Math.round((samples.at(-1).at - samples[0].at) / 1000 / (samples.length / 2 - 1)) : '?'} s per replica;`
  + ' every fourth one forces a full GC first (`jcmd GC.run`) and reads the heap after it.', '');

p('## The load', '');
const rate = (n) => (n / elapsed).toFixed(1);
p('| measured | value |', '|---|---|');
p(`| mints | ${load.mints} (${rate(load.mints)}/s; ${load.jwt_mints} ES256 JWTs), ${load.mint_errors} failed |`);
p(`| mint → consume cycles | ${load.cycles} (${rate(load.cycles)}/s), each redeemed on both replicas at once |`);
p(`| double grants (a one-use token granted twice) | ${load.double_grants} |`);
p(`| lost grants (granted by neither) | ${load.lost_grants} |`);
p(`| consume errors (neither granted nor token_already_used) | ${load.consume_errors} |`);
p(`| realtime sessions opened / completed / ended early by the broker / failed to open | ${load.sessions_opened} / ${load.sessions_completed} / ${load.sessions_closed_early} / ${load.session_open_errors} |`);
p(`| frames sent / echoes / lost echoes | ${load.frames_sent} (${rate(load.frames_sent)}/s) / ${load.echoes} / ${load.lost_echoes} |`);
p(`| revocations timed (DELETE on a → session on b closed) | ${load.revocations}: min ${load.revocation_ms?.min} ms, p50 ${load.revocation_ms?.p50} ms, p99 ${load.revocation_ms?.p99} ms, max ${load.revocation_ms?.max} ms; ${load.revocation_errors} failed |`);
p(`| requests refused by the client's in-flight cap | ${load.skipped_in_flight} |`);
p(`| HTTP statuses | ${Object.entries(load.http_statuses ?? {}).map(([k, v]) => `${k === '0' ? 'network error' : k}: ${v}`).join(', ')} |`);
p(`| **errors in all** | **${load.errors}** |`);
if (load.error_samples?.length) p('', 'First errors:', '', ...load.error_samples.map((e) => `- \`${e}\``));
p('');

p('## Memory and resources', '');
p('Slope: least squares over the last half of the load, per minute, ± two standard errors. "Levels off": that'
  + ' slope, kept up for an hour, adds at most 5% of the last value (at least 4 MB, 2 threads or files, 1% of the'
  + ' keys), or its lower bound does. Open files and sessions follow the load (200 sessions, two sockets each).', '');
for (const name of ['a', 'b']) {
  const rows = samples.filter((s) => s.replica === name);
  p(`### Replica ${name}`, '');
  p('| series | first | warm-up | last under load | slope /min (last half) | after the load | unit | |');
  p('|---|---|---|---|---|---|---|---|');
  for (const [label, unit, pick] of series) { const r = row(label, unit, pick, rows); if (r) p(r); }
  p('');
}
p('### Redis', '');
p('| series | first | warm-up | last under load | slope /min (last half) | after the load | unit | |');
p('|---|---|---|---|---|---|---|---|');
for (const [label, unit, pick] of shared) {
  const r = row(label, unit, pick, samples.filter((s) => s.replica === 'a')); if (r) p(r);
}
p('', `Redis's keys all have TTLs. A token lives its TTL (60 s here); a token that opened a realtime session is kept`
  + ` until that session's limit, ephemera.relay.max-session-duration (${opt['max-session'] ?? 'the default, 30m'}),`
  + ' after it opened (kill switch); and every such token\'s receipt (`eph:rcpt:{id}`, its facts and its sessions\''
  + ' usage) is kept 24 hours after its last write (`SessionStore.RECEIPT_RETENTION`, SPEC §11). So the key count'
  + ' and used_memory rise by about one receipt per session opened for a day, and level off only after that: a'
  + ' rise a soak of minutes cannot show levelling, nor is it a leak.', '');

p('### RSS, resident Java heap, C heap and Netty direct, by minute (MB)', '');
p('| min | a RSS | a heap resident | a C heap | a Netty direct | b RSS | b heap resident | b C heap | b Netty direct | Redis keys |');
p('|---|---|---|---|---|---|---|---|---|---|');
const byMinute = new Map();
for (const s of samples) {
  const m = Math.floor((s.at - started) / 60000);
  if (!byMinute.has(m)) byMinute.set(m, {});
  byMinute.get(m)[s.replica] = s;
}
for (const [m, r] of byMinute) {
  const c = (s, f) => (s ? fmt(f(s), 'MB') : '—');
  p(`| ${m}${r.a && r.a.at > loadEnd ? ' (no load)' : ''} | ${c(r.a, (s) => s.rss_kb / 1024)} | ${c(r.a, (s) => s.heap_resident_kb / 1024)} | ${c(r.a, (s) => s.c_heap_kb / 1024)} | ${c(r.a, (s) => s.netty_direct_used / MB)}`
    + ` | ${c(r.b, (s) => s.rss_kb / 1024)} | ${c(r.b, (s) => s.heap_resident_kb / 1024)} | ${c(r.b, (s) => s.c_heap_kb / 1024)} | ${c(r.b, (s) => s.netty_direct_used / MB)} | ${fmt(r.a?.redis?.keys, 'keys')} |`);
}
p('');

p('## NMT: what changed from the warm-up mark (summary.diff, committed)', '');
for (const file of readdirSync(work).filter((f) => f.startsWith('nmt-diff-')).sort()) {
  const text = readFileSync(`${work}/${file}`, 'utf8');
  const moves = [];
  const total = text.match(/Total: reserved=\d+KB(?: [+-]\d+KB)?, committed=(\d+)KB(?: ([+-]\d+)KB)?/);
  const malloc = text.match(/^\s*malloc[=:] ?(\d+)KB(?: ([+-]\d+)KB)?/m);
  for (const m of text.matchAll(/^-\s+(.+?) \(reserved=\d+KB(?: [+-]\d+KB)?, committed=(\d+)KB(?: ([+-]\d+)KB)?\)/gm)) {
    if (m[3] && Math.abs(Number(m[3])) >= 64) moves.push(`${m[1].trim()} ${m[3]} KB`);
  }
  p(`- ${file.replace(/^nmt-diff-|\.txt$/g, '')}: total ${total ? `${total[1]} KB (${total[2] ?? '+0'} KB)` : '?'}, malloc ${malloc ? `${malloc[1]} KB (${malloc[2] ?? '+0'} KB)` : '?'}; ${moves.join(', ') || 'no category moved by 64 KB or more'}`);
}
p('', `Raw: ${work.replace(/^.*\/target\//, 'target/')}/ (samples.jsonl, load.jsonl, nmt-diff-*.txt, broker logs).`);
console.log(out.join('\n'));
