// The soak's load client (Node.js, `ws` from bench/relay): two replicas, one mix, for a fixed time.
//   node soak.mjs --a http://127.0.0.1:PA --b http://127.0.0.1:PB --key <API key, read+write> --seconds 1800
//                 [--mints 80] [--cycles 10] [--sessions 200] [--fps 10] [--life 20-40] [--bytes 256]
//                 [--revoke-every 15] [--every 10] [--max-in-flight 256] [--ramp 60]
// The mix, on both replicas at once:
//   - plain mints: --mints per second, alternating replicas, every fourth an ES256 JWT;
//   - mint → consume cycles: --cycles per second; a one-use token minted on one replica is redeemed
//     (introspect, consume=true) on the other and, at the same moment, on the one that minted it: exactly one of
//     the two may be granted. Both granted is a double grant; neither is a lost grant (counted with the errors);
//   - realtime sessions: --sessions held open all the time, each minted on one replica and opened on the other,
//     sending --fps JSON events of --bytes each to the echo provider and living a random --life seconds, then
//     closed (1000) after its last echoes came back and replaced by a new one. An echo missing at the close is a
//     lost echo; a session the broker ends early is an error;
//   - revocation: every --revoke-every seconds a session is opened on one replica and its token revoked by
//     handle (DELETE /v1/tokens/{id}) on the other; the time from the DELETE to the session's close is recorded.
// Progress: one JSON line of running totals on stdout every --every seconds, and a last one marked "final".
import { createRequire } from 'node:module';

const require = createRequire(new URL('../relay/package.json', import.meta.url));
const WebSocket = require('ws');

const opt = {};
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = args[i + 1];
const num = (name, fallback) => (opt[name] === undefined ? fallback : Number(opt[name]));
const log = (...a) => process.stderr.write(`soak: ${a.join(' ')}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const replicas = [opt.a, opt.b];
const seconds = num('seconds', 1800);
const mintRate = num('mints', 80);
const cycleRate = num('cycles', 10);
const sessionCount = num('sessions', 200);
const fps = num('fps', 10);
const [lifeMin, lifeMax] = (opt.life ?? '20-40').split('-').map(Number);
const bytes = num('bytes', 256);
const revokeEvery = num('revoke-every', 15);
const every = num('every', 10);
const ramp = num('ramp', 60);
const maxInFlight = num('max-in-flight', 256);
const auth = { authorization: `Bearer ${opt.key}` };

const c = {
  mints: 0, mint_errors: 0, jwt_mints: 0,
  cycles: 0, grants: 0, double_grants: 0, lost_grants: 0, consume_errors: 0,
  sessions_opened: 0, session_open_errors: 0, sessions_closed_early: 0, sessions_completed: 0,
  frames_sent: 0, echoes: 0, lost_echoes: 0,
  revocations: 0, revocation_errors: 0, skipped_in_flight: 0, http_statuses: {},
};
const revocationMs = [];
let inFlight = 0;
let running = true;
const errorSamples = [];
function error(kind, detail) {
  if (errorSamples.length < 20) errorSamples.push(`${kind}: ${detail}`);
}

// One HTTP request with a status tally; never throws (a network failure is status 0).
async function call(url, init) {
  inFlight++;
  try {
    const r = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    const text = await r.text();
    c.http_statuses[r.status] = (c.http_statuses[r.status] ?? 0) + 1;
    return { status: r.status, text };
  } catch (e) {
    c.http_statuses[0] = (c.http_statuses[0] ?? 0) + 1;
    return { status: 0, text: String(e.cause?.code ?? e.message) };
  } finally {
    inFlight--;
  }
}

async function mint(replica, body) {
  const r = await call(`${replica}/v1/tokens`, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  c.mints++;
  if (body.format === 'jwt') c.jwt_mints++;
  if (r.status !== 201) {
    c.mint_errors++;
    error('mint', `${r.status} ${r.text.slice(0, 120)}`);
    return null;
  }
  return JSON.parse(r.text);
}

// true when granted, false when refused as it should be (already used), null on anything else.
async function consume(replica, token) {
  const r = await call(`${replica}/v1/tokens/introspect`, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${encodeURIComponent(token)}&consume=true`,
  });
  if (r.status === 200) return JSON.parse(r.text).active === true;
  if (r.status === 401 && r.text.includes('token_already_used')) return false;
  c.consume_errors++;
  error('consume', `${r.status} ${r.text.slice(0, 120)}`);
  return null;
}

let plainCount = 0;
function plainMint() {
  const n = plainCount++;
  return mint(replicas[n % 2], n % 4 === 3 ? { provider: 'openai', format: 'jwt' } : { provider: 'openai' });
}

let cycleCount = 0;
async function cycle() {
  const n = cycleCount++;
  const minter = replicas[n % 2], other = replicas[(n + 1) % 2];
  const token = await mint(minter, { provider: 'openai', max_uses: 1 });
  if (token === null) return;
  const results = await Promise.all([consume(other, token.value), consume(minter, token.value)]);
  c.cycles++;
  if (results.includes(null)) return;
  const granted = results.filter(Boolean).length;
  c.grants += granted;
  if (granted > 1) { c.double_grants++; error('double grant', token.id); }
  if (granted === 0) { c.lost_grants++; error('lost grant', token.id); }
}

function wsUrl(replica) { return replica.replace(/^http/, 'ws') + '/v1/realtime'; }

function open(replica, token) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(replica), ['ephemera', `ephemera-token.${token}`],
      { perMessageDeflate: false, handshakeTimeout: 10_000 });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
  });
}

const FILLER = 'A'.repeat(Math.max(0, bytes - 60));
const frame = (seq) => `{"type":"input_audio_buffer.append","event_id":"e${seq}","audio":"${FILLER}"}`;
const live = new Set();

// One session slot: open, talk for its life, close cleanly, again, until the soak ends.
async function slot(index, firstDelayMs) {
  await sleep(firstDelayMs);
  let round = 0;
  while (running) {
    const minter = replicas[(index + round) % 2], server = replicas[(index + round + 1) % 2];
    round++;
    const token = await mint(minter, { provider: 'openai' });
    if (token === null) { await sleep(1000); continue; }
    let socket;
    try {
      socket = await open(server, token.value);
    } catch (e) {
      c.session_open_errors++;
      error('session open', e.message);
      await sleep(1000);
      continue;
    }
    c.sessions_opened++;
    const s = { socket, sent: 0, received: 0, closing: false, closed: false };
    socket.on('message', () => { s.received++; c.echoes++; });
    socket.on('error', () => {});
    const closed = new Promise((resolve) => socket.on('close', (code, reason) => {
      s.closed = true;
      if (!s.closing) {
        c.sessions_closed_early++;
        error('session closed early', `${code} ${reason}`);
      }
      resolve();
    }));
    live.add(s);
    const life = (lifeMin + Math.random() * (lifeMax - lifeMin)) * 1000;
    const end = performance.now() + life;
    while (running && !s.closed && performance.now() < end) await sleep(Math.min(500, end - performance.now()));
    live.delete(s);
    const waitUntil = performance.now() + 2000;
    while (!s.closed && s.received < s.sent && performance.now() < waitUntil) await sleep(20);
    c.lost_echoes += s.sent - s.received;
    if (!s.closed) {
      s.closing = true;
      socket.close(1000);
      await Promise.race([closed, sleep(5000)]);
      c.sessions_completed++;
    }
  }
}

// Every session's frames from one ticker, by the clock: a late tick (this client shares two busy cores) sends what
// fell due since, up to five frames a session.
let seq = 0, ticks = 0;
const framesFrom = performance.now();
function frames() {
  const due = Math.floor(((performance.now() - framesFrom) / 1000) * fps);
  const n = Math.min(5, due - ticks);
  ticks = due;
  for (let k = 0; k < n; k++) {
    for (const s of live) {
      if (s.socket.readyState !== WebSocket.OPEN) continue;
      s.socket.send(frame(seq++));
      s.sent++;
      c.frames_sent++;
    }
  }
}

async function revocation() {
  const token = await mint(replicas[0], { provider: 'openai' });
  if (token === null) return;
  let socket;
  try {
    socket = await open(replicas[1], token.value);
  } catch (e) {
    c.revocation_errors++;
    error('revocation open', e.message);
    return;
  }
  const closed = new Promise((resolve) => socket.on('close', () => resolve(performance.now())));
  socket.on('error', () => {});
  await sleep(200);
  const t0 = performance.now();
  const r = await call(`${replicas[0]}/v1/tokens/${token.id}`, { method: 'DELETE', headers: auth });
  if (r.status !== 204) {
    c.revocation_errors++;
    error('revoke', `${r.status} ${r.text.slice(0, 120)}`);
  }
  const at = await Promise.race([closed, sleep(5000).then(() => null)]);
  if (at === null) {
    c.revocation_errors++;
    error('revocation', 'session still open 5 s after the DELETE');
    socket.terminate();
    return;
  }
  c.revocations++;
  revocationMs.push(at - t0);
}

function schedule(rate, task) {
  if (rate <= 0) return null;
  const start = performance.now();
  let done = 0;
  return setInterval(() => {
    const t = (performance.now() - start) / 1000;
    // Rates ramp up over the first --ramp seconds: cold brokers on a busy machine time their first Redis calls out.
    const due = Math.floor(t < ramp ? (rate * t * t) / (2 * ramp) : rate * (t - ramp / 2));
    while (done < due) {
      done++;
      if (inFlight >= maxInFlight) { c.skipped_in_flight++; continue; }
      task();
    }
  }, 10);
}

function totals(extra = {}) {
  const sorted = [...revocationMs].sort((x, y) => x - y);
  const pick = (p) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]) : null);
  return {
    t_s: Math.round((performance.now() - started) / 1000), ...c, live_sessions: live.size,
    errors: c.mint_errors + c.consume_errors + c.lost_grants + c.session_open_errors + c.sessions_closed_early
      + c.revocation_errors,
    revocation_ms: { min: pick(0), p50: pick(0.5), p99: pick(0.99), max: sorted.length ? Math.round(sorted.at(-1)) : null },
    error_samples: errorSamples, ...extra,
  };
}

const started = performance.now();
setTimeout(() => { log('hard stop'); process.exit(3); }, (seconds + 60) * 1000).unref();
const timers = [
  schedule(mintRate, plainMint),
  schedule(cycleRate, cycle),
  setInterval(frames, 1000 / fps / 2),
  setInterval(revocation, revokeEvery * 1000),
  setInterval(() => console.log(JSON.stringify(totals())), every * 1000),
];
// Sessions start spread over the first lifetime, so that their churn is even from the start.
const slots = Array.from({ length: sessionCount }, (_, i) => slot(i, (i / sessionCount) * lifeMin * 1000));
log(`${seconds} s: ${mintRate} mints/s, ${cycleRate} cycles/s, ${sessionCount} sessions × ${fps} fps`);
await sleep(seconds * 1000);
running = false;
timers.forEach((t) => t && clearInterval(t));
await Promise.race([Promise.all(slots), sleep(15_000)]);
while (inFlight > 0) await sleep(50);
console.log(JSON.stringify(totals({ final: true })));
process.exit(0);
