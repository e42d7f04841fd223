// The relay benchmark's load client (Node.js, `ws`). One JSON line of results on stdout; progress on stderr.
//   node load.mjs rtt   --url ws://… --sessions 100 --fps 50 --bytes 1024 --seconds 10 [--warmup 3] [token options]
//                       [--protocol openai|live] [--pids <relay pids>] [--peer-pids <provider pids>]
//   node load.mjs idle  --url ws://… --sessions 5000 [token options]     (holds them until SIGTERM or stdin ends)
//   node load.mjs flood --url ws://…(stalled provider) --probe ws://…(echo) --liveness http://…/health/liveness
//                       --seconds 15 [token options]
//   node load.mjs drain --url ws://… --sessions 20 [token options]       (reports how each session ends)
// Token options, for Ephemera: --mint http://…/v1/tokens --key <API key> --provider openai. Each session then gets
// its own token, offered as the subprotocols `ephemera, ephemera-token.<token>`. Without them (nginx, the direct
// baseline) no subprotocol is offered.
// --protocol live (rtt only): Google's Live API (BidiGenerateContent). Each session sends the setup
// {"setup":{"model":"models/gemini-live"}} and waits for {"setupComplete":{}} before it counts as open; its frames
// are realtimeInput audio ({"realtimeInput":{"audio":{"data":"<base64>","mimeType":"audio/pcm;rate=16000"}}}) of
// --bytes, and an echo is the provider's model content holding the same data (fake-provider.mjs). Tokens are then
// minted for --provider gemini --model gemini-live unless told otherwise.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const [mode, ...rest] = process.argv.slice(2);
const opt = {};
for (let i = 0; i < rest.length; i += 2) opt[rest[i].replace(/^--/, '')] = rest[i + 1];
const num = (name, fallback) => (opt[name] === undefined ? fallback : Number(opt[name]));
const log = (...args) => process.stderr.write(`load: ${args.join(' ')}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const live = opt.protocol === 'live';
if (opt.protocol !== undefined && opt.protocol !== 'openai' && !live) {
  log(`unknown protocol ${opt.protocol}; openai or live`);
  process.exit(2);
}

async function tokens(count, provider = opt.provider ?? (live ? 'gemini' : 'openai'),
  model = opt.model ?? (live ? 'gemini-live' : undefined)) {
  if (!opt.mint) return new Array(count).fill(null);
  const out = [];
  const batch = 50;
  for (let i = 0; i < count; i += batch) {
    const minted = await Promise.all(Array.from({ length: Math.min(batch, count - i) }, async () => {
      const r = await fetch(opt.mint, {
        method: 'POST',
        headers: { authorization: `Bearer ${opt.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(model === undefined ? { provider } : { provider, model }),
      });
      if (r.status !== 200 && r.status !== 201) throw new Error(`mint answered ${r.status}: ${await r.text()}`);
      return (await r.json()).value;
    }));
    out.push(...minted);
  }
  return out;
}

function open(url, token) {
  return new Promise((resolve, reject) => {
    const protocols = token ? ['ephemera', `ephemera-token.${token}`] : [];
    const socket = new WebSocket(url, protocols, { perMessageDeflate: false, maxPayload: 16 << 20 });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
  });
}

// A Live session: opened, its setup sent, and open once the provider answered setupComplete (within 10 s).
async function openLive(url, token) {
  const socket = await open(url, token);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { socket.terminate(); reject(new Error('no setupComplete within 10 s')); }, 10_000);
    socket.once('close', (code, reason) => {
      clearTimeout(timer);
      reject(new Error(`closed ${code} ${reason} before setupComplete`));
    });
    socket.once('message', (data) => {
      clearTimeout(timer);
      socket.removeAllListeners('close');
      if (data.toString().includes('"setupComplete"')) resolve(socket);
      else { socket.terminate(); reject(new Error(`answered ${data.toString().slice(0, 200)} to the setup`)); }
    });
    socket.send(JSON.stringify({ setup: { model: `models/${opt.model ?? 'gemini-live'}` } }));
  });
}

// Opens `count` sessions, a hundred at a time, each batch's tokens minted just before it (they live a minute).
async function openAll(url, count, opener = open) {
  const sockets = [];
  let failed = 0;
  const batch = 100;
  for (let i = 0; i < count; i += batch) {
    const toks = await tokens(Math.min(batch, count - i));
    const settled = await Promise.allSettled(toks.map((t) => opener(url, t)));
    for (const s of settled) {
      if (s.status === 'fulfilled') sockets.push(s.value);
      else { failed++; if (failed <= 3) log('open failed:', s.reason.message); }
    }
  }
  return { sockets, failed };
}

// CPU time, in ms, that the processes named by --pids (the relay under test; or by `list`) have used so far.
function cpuMs(list = opt.pids) {
  const clk = num('clk', 100);
  return (list ?? '').split(',').filter(Boolean).reduce((sum, pid) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return sum + ((Number(fields[11]) + Number(fields[12])) * 1000) / clk;
  }, 0);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// An event of `bytes` bytes whose event_id carries the sender's clock, so an echo tells its own round trip, and
// whether it was sent while measuring ("m") or warming up ("w"). Built from one fixed filler: the client must cost
// little per frame, as it shares the machine with what it measures.
const HEAD = '{"type":"input_audio_buffer.append","event_id":"';
const fillers = new Map();
function event(bytes, sentAt, measured = true) {
  const clock = (measured ? 'm' : 'w') + sentAt.toFixed(3).padStart(16, '0');
  let filler = fillers.get(bytes);
  if (filler === undefined) {
    filler = '","audio":"' + 'A'.repeat(Math.max(0, bytes - HEAD.length - 17 - 13)) + '"}';
    fillers.set(bytes, filler);
  }
  return HEAD + clock + filler;
}
// The clock of an echoed event (a Buffer or string), or null for one sent while warming up.
function sentAtOf(data) {
  const text = typeof data === 'string' ? data : data.toString('latin1', 0, HEAD.length + 17);
  return text[HEAD.length] === 'm' ? Number(text.substring(HEAD.length + 1, HEAD.length + 17)) : null;
}

// Live's frames: realtimeInput audio of about `bytes` bytes whose base64 data begins with the clock in base64's own
// alphabet ("m"/"w", then the send time in µs as 16 digits), so the data stays valid base64 (a multiple of 4 long).
const LIVE_HEAD = '{"realtimeInput":{"audio":{"data":"';
const LIVE_TAIL = '","mimeType":"audio/pcm;rate=16000"}}}';
// What fake-provider.mjs puts before the data it sends back.
const LIVE_ECHO_HEAD = '{"serverContent":{"modelTurn":{"parts":[{"inlineData":{"data":"';
const liveFillers = new Map();
function liveEvent(bytes, sentAt, measured = true) {
  const clock = (measured ? 'm' : 'w') + String(Math.round(sentAt * 1000)).padStart(16, '0');
  let filler = liveFillers.get(bytes);
  if (filler === undefined) {
    const data = Math.max(20, Math.floor((bytes - LIVE_HEAD.length - LIVE_TAIL.length) / 4) * 4);
    filler = 'A'.repeat(data - 17) + LIVE_TAIL;
    liveFillers.set(bytes, filler);
  }
  return LIVE_HEAD + clock + filler;
}
function liveSentAtOf(data) {
  const text = typeof data === 'string' ? data : data.toString('latin1', 0, LIVE_ECHO_HEAD.length + 17);
  return text[LIVE_ECHO_HEAD.length] === 'm'
    ? Number(text.substring(LIVE_ECHO_HEAD.length + 1, LIVE_ECHO_HEAD.length + 17)) / 1000 : null;
}

async function rtt() {
  const sessions = num('sessions', 100), fps = num('fps', 50), bytes = num('bytes', 1024);
  const seconds = num('seconds', 10), warmup = num('warmup', 3);
  const { sockets, failed } = await openAll(opt.url, sessions, live ? openLive : open);
  log(`rtt: ${sockets.length} sessions open (${failed} failed)`);
  const frame = live ? liveEvent : event;
  const clockOf = live ? liveSentAtOf : sentAtOf;
  let measuring = false, sent = 0, received = 0, skipped = 0, closed = 0;
  const samples = [];
  for (const s of sockets) {
    s.on('message', (data) => {
      const sentAt = clockOf(data);
      if (sentAt === null) return;
      received++;
      samples.push(performance.now() - sentAt);
    });
    s.on('close', () => closed++);
  }
  const start = performance.now();
  const due = new Array(sockets.length).fill(0);
  const interval = 1000 / fps;
  const offsets = sockets.map((_, i) => (i * interval) / sockets.length);
  const tick = setInterval(() => {
    const now = performance.now();
    for (let i = 0; i < sockets.length; i++) {
      const should = Math.floor((now - start - offsets[i]) / interval);
      while (due[i] <= should) {
        due[i]++;
        if (sockets[i].readyState !== WebSocket.OPEN || sockets[i].bufferedAmount > 1 << 20) { skipped++; continue; }
        sockets[i].send(frame(bytes, performance.now(), measuring));
        if (measuring) sent++;
      }
    }
  }, 2);
  await sleep(warmup * 1000);
  measuring = true;
  const measuredFrom = performance.now();
  const cpuFrom = cpuMs();
  const peersFrom = cpuMs(opt['peer-pids']);
  const ownFrom = process.cpuUsage();
  await sleep(seconds * 1000);
  measuring = false;
  const elapsed = (performance.now() - measuredFrom) / 1000;
  const cpu = cpuMs() - cpuFrom;
  const own = process.cpuUsage(ownFrom);
  const peers = cpuMs(opt['peer-pids']) - peersFrom;
  const loadAverage = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  // The cores the relay, the fake provider (--peer-pids) and this client kept busy: near 2 on two cores, and
  // every process waits for the others.
  const coresBusy = (cpu + peers + (own.user + own.system) / 1000) / (elapsed * 1000);
  clearInterval(tick);
  await sleep(2000); // the echoes still on their way
  samples.sort((a, b) => a - b);
  for (const s of sockets) s.close(1000);
  console.log(JSON.stringify({
    mode: 'rtt', protocol: live ? 'live' : 'openai', sessions: sockets.length, failed, fps, bytes,
    frame_bytes: Buffer.byteLength(frame(bytes, 0)), seconds: elapsed, sent, received,
    lost: sent - received, skipped, closed_early: closed,
    echoes_per_s: Math.round(received / elapsed),
    cores_busy: coresBusy, load_average_1m: loadAverage,
    cpu_ms: opt.pids ? cpu : null, cpu_ms_per_1000_frames: opt.pids ? (cpu * 1000) / (sent + received) : null,
    peer_cpu_ms_per_1000_frames: opt['peer-pids'] ? (peers * 1000) / (sent + received) : null,
    p50_ms: percentile(samples, 50), p99_ms: percentile(samples, 99), max_ms: samples.at(-1) ?? null,
  }));
  await sleep(300);
  process.exit(0);
}

async function idle() {
  const { sockets, failed } = await openAll(opt.url, num('sessions', 1000));
  let closed = 0;
  sockets.forEach((s) => s.on('close', () => closed++));
  console.log(JSON.stringify({ mode: 'idle', open: sockets.length, failed }));
  const end = () => {
    log(`idle: closing ${sockets.length} sessions (${closed} closed by the other side)`);
    sockets.forEach((s) => s.close(1000));
    setTimeout(() => process.exit(0), 500);
  };
  process.on('SIGTERM', end);
  process.stdin.on('end', end);
  process.stdin.resume();
}

async function flood() {
  const seconds = num('seconds', 15);
  const [floodToken] = await tokens(1, opt['flood-provider'] ?? 'anthropic');
  const [probeToken] = await tokens(1);
  const flooder = await open(opt.url, floodToken);
  const probe = await open(opt.probe, probeToken);
  const start = performance.now();
  let floodClose = null, floodBytes = 0, probeMax = 0, probeCount = 0, livenessMax = 0, livenessFailures = 0;
  flooder.on('close', (code, reason) => {
    floodClose = { code, reason: reason.toString(), after_s: (performance.now() - start) / 1000 };
  });
  flooder.on('error', () => {});
  probe.on('message', (data) => {
    probeCount++;
    probeMax = Math.max(probeMax, performance.now() - sentAtOf(data));
  });
  const chunk = event(64 * 1024, 0);
  const pump = setInterval(() => {
    while (flooder.readyState === WebSocket.OPEN && flooder.bufferedAmount < 8 << 20) {
      flooder.send(chunk);
      floodBytes += chunk.length;
    }
  }, 1);
  const probing = setInterval(() => probe.readyState === WebSocket.OPEN && probe.send(event(1024, performance.now())), 100);
  const live = setInterval(async () => {
    const t = performance.now();
    try {
      const r = await fetch(opt.liveness, { signal: AbortSignal.timeout(5000) });
      await r.arrayBuffer();
      if (r.status !== 200) livenessFailures++;
    } catch { livenessFailures++; }
    livenessMax = Math.max(livenessMax, performance.now() - t);
  }, 100);
  await sleep(seconds * 1000);
  [pump, probing, live].forEach(clearInterval);
  console.log(JSON.stringify({
    mode: 'flood', flood_close: floodClose, flood_bytes_written: floodBytes,
    flood_bytes_unsent: flooder.bufferedAmount, probe_echoes: probeCount, probe_rtt_max_ms: probeMax,
    liveness_max_ms: livenessMax, liveness_failures: livenessFailures,
  }));
  probe.close(1000);
  flooder.terminate();
  await sleep(300);
  process.exit(0);
}

async function drain() {
  const { sockets, failed } = await openAll(opt.url, num('sessions', 20));
  const ends = [];
  sockets.forEach((s) => s.on('close', (code, reason) => ends.push({ code, reason: reason.toString(), at: Date.now() })));
  console.log(JSON.stringify({ mode: 'drain', open: sockets.length, failed }));
  const deadline = performance.now() + num('wait', 60) * 1000;
  while (ends.length < sockets.length && performance.now() < deadline) await sleep(50);
  const codes = {};
  ends.forEach((e) => { codes[e.code] = (codes[e.code] ?? 0) + 1; });
  console.log(JSON.stringify({ mode: 'drain', ended: ends.length, codes, reasons: [...new Set(ends.map((e) => e.reason))],
    first_close_epoch_ms: Math.min(...ends.map((e) => e.at)), last_close_epoch_ms: Math.max(...ends.map((e) => e.at)) }));
  process.exit(0);
}

const modes = { rtt, idle, flood, drain };
if (!modes[mode]) {
  log(`unknown mode ${mode}; one of ${Object.keys(modes).join(', ')}`);
  process.exit(2);
}
modes[mode]().catch((e) => { log(e.stack ?? e); process.exit(1); });
