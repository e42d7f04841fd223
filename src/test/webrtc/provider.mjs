// A fake OpenAI that is a real WebRTC peer (werift): the calls API (POST /v1/realtime/calls), the sideband
// (WebSocket /v1/realtime?call_id=...), hang-up, and GPT-Live (POST /v1/live/sessions, its attach and hang-up).
// Everything it sees is recorded and served at GET /__record. GET /page serves the test page
// (src/test/resources/webrtc/call.html), so that a browser can load it from this origin.
//
// Environment: PORT (0 or absent: a free port), OPENAI_KEY (the Bearer key every call must carry), PAGE (the page's
// file, default ../resources/webrtc/call.html beside this file), STRICT (0: take a realtime session.update without
// GA's session.type, or with the beta's field names). Prints `LISTENING <port>` once ready.
// Network: loopback only. No STUN server, the peer's host candidates are 127.0.0.1 only, and candidate pairs
// with any other address are never checked.
import { ServerResponse, createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { WebSocketServer } from "ws";
import { RTCPeerConnection, useOPUS, usePCMU } from "werift";

const KEY = process.env.OPENAI_KEY ?? "sk-test-openai-0000-fake-provider-key";
const PAGE = process.env.PAGE ?? new URL("../resources/webrtc/call.html", import.meta.url);
const LOOPBACK = "127.0.0.1";

const calls = new Map();
const record = { requests: [], calls: [], events: [], sent: [], hangups: [], ends: [], sidebands: [] };
const log = (...args) => process.stderr.write(`[provider] ${args.join(" ")}\n`);

// ---------------------------------------------------------------------------------------------------- helpers

function authorization(req) {
  const header = req.headers.authorization;
  if (header === undefined) return "missing";
  return header === `Bearer ${KEY}` ? "provider-key" : "other";
}

function remember(req, status) {
  const url = new URL(req.url, "http://fake");
  const headers = {};
  for (const name of ["content-type", "x-client-request-id", "origin", "openai-beta", "user-agent"]) {
    if (req.headers[name] !== undefined) headers[name] = req.headers[name];
  }
  record.requests.push({ method: req.method, path: url.pathname, query: url.search, headers,
    authorization: authorization(req), status, at: Date.now() });
}

function send(res, status, body, headers = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const type = typeof body === "string" ? "text/plain" : "application/json";
  res.writeHead(status, { "Content-Type": type, ...headers });
  res.end(text);
}

function error(res, status, code, message) {
  send(res, status, { error: { type: "invalid_request_error", code, message, param: null } });
}

function readBody(req) {
  if (req.body) return req.body;
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** The parts of a multipart/form-data body, by name. */
function multipart(body, contentType) {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!match) throw new Error("no boundary");
  const boundary = `--${match[1] ?? match[2]}`;
  const parts = {};
  for (const chunk of body.toString("utf8").split(boundary).slice(1)) {
    if (chunk.startsWith("--")) break;
    const split = chunk.indexOf("\r\n\r\n");
    if (split < 0) continue;
    const head = chunk.slice(0, split);
    const name = /name="([^"]+)"/i.exec(head)?.[1];
    if (name) parts[name] = chunk.slice(split + 4).replace(/\r\n$/, "");
  }
  return parts;
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function deepMerge(target, patch) {
  for (const [key, value] of Object.entries(patch)) {
    if (isObject(value) && isObject(target[key])) deepMerge(target[key], value);
    else target[key] = structuredClone(value);
  }
  return target;
}

const id = (prefix) => `${prefix}_${randomBytes(9).toString("hex")}`;

/** The offer without candidates other than IPv4 loopback: no check ever leaves this machine. */
function loopbackOnly(sdp) {
  return sdp.split(/\r?\n/).filter((line) => !line.startsWith("a=candidate:")
    || line.split(" ")[4] === LOOPBACK).join("\r\n");
}

// ---------------------------------------------------------------------------------------------------- calls

function emit(call, event) {
  const text = JSON.stringify(event);
  record.sent.push({ call: call.id, type: event.type, event, at: Date.now() });
  if (call.dc && call.dc.readyState === "open") call.dc.send(text);
  for (const socket of call.sidebands) {
    if (socket.readyState === socket.OPEN) socket.send(text);
  }
}

/** Session fields of the realtime beta that the GA API (the calls API's) refuses as unknown. */
const BETA_ONLY = ["max_response_output_tokens", "modalities", "voice", "input_audio_format", "output_audio_format",
  "turn_detection", "input_audio_transcription"];

/**
 * Why OpenAI's GA realtime API refuses a session.update's `session`, as its error object; null when it takes it. As
 * the API does (STRICT=0 turns it off): `session.type` is required, and the beta's names are unknown parameters.
 */
function gaRefusal(session) {
  if (process.env.STRICT === "0") return null;
  if (session.type === undefined) {
    return { code: "missing_required_parameter", param: "session.type",
      message: "Missing required parameter: 'session.type'." };
  }
  if (session.type !== "realtime") {
    return { code: "invalid_value", param: "session.type", message: "Invalid value for 'session.type'." };
  }
  const unknown = BETA_ONLY.find((name) => name in session);
  return unknown === undefined ? null : { code: "unknown_parameter", param: `session.${unknown}`,
    message: `Unknown parameter: 'session.${unknown}'.` };
}

function handleClientEvent(call, source, text) {
  let event;
  try {
    event = JSON.parse(text);
  } catch {
    record.events.push({ call: call.id, source, type: null, raw: String(text), at: Date.now() });
    return;
  }
  record.events.push({ call: call.id, source, type: event.type, event, at: Date.now() });
  if (call.ended) return;
  const allowed = call.allowedClientEvents;
  if (source === "datachannel" && Array.isArray(allowed) && !allowed.includes(event.type)) {
    emit(call, { type: "error", error: { type: "invalid_request_error", code: "event_not_allowed",
      message: `The client event '${event.type}' is not allowed on this data channel.`,
      event_id: event.event_id ?? null } });
    return;
  }
  if (event.type === "session.update" && isObject(event.session)) {
    const refused = call.kind === "realtime" ? gaRefusal(event.session) : null;
    if (refused) {
      emit(call, { type: "error", error: { type: "invalid_request_error", ...refused,
        event_id: event.event_id ?? null } });
      return;
    }
    deepMerge(call.session, event.session);
    emit(call, { type: "session.updated", session: call.session });
  } else if (event.type === "response.create") {
    const response = `resp_${++call.responses}`;
    let out = 10;
    const asked = event.response?.max_output_tokens;
    if (Number.isInteger(asked)) out = Math.min(out, asked);
    if (typeof call.session.max_output_tokens === "number") out = Math.min(out, call.session.max_output_tokens);
    out = Math.max(0, out);
    emit(call, { type: "response.created", response: { id: response, status: "in_progress" } });
    emit(call, { type: "response.done", response: { id: response, status: "completed", usage: {
      total_tokens: 20 + out, input_tokens: 20, output_tokens: out,
      input_token_details: { cached_tokens: 0, audio_tokens: 0 },
      output_token_details: { audio_tokens: 0 } } } });
  }
}

function endCall(call, reason) {
  if (call.ended) return;
  call.ended = true;
  call.summary.endedAt = Date.now();
  call.summary.endReason = reason;
  record.ends.push({ call: call.id, reason, at: Date.now() });
  log("end", call.id, reason);
  clearInterval(call.usageTimer);
  for (const socket of call.sidebands) socket.close(1000, "call ended");
  closePeer(call).catch((e) => log("closing the peer:", e.stack));
}

/**
 * Closes the data channel: a stream reset, which the browser answers with its own, and then fires the channel's
 * close event. The peer is closed half a second later, once the browser's reset has been answered: werift's close()
 * sends nothing the browser acts on (it stops DTLS before its SCTP ABORT), so the browser sees that end only when
 * ICE consent expires, 30 s on.
 */
async function closePeer(call) {
  const dc = call.dc;
  if (dc && dc.readyState === "open") {
    dc.close();
    await dc.stateChanged.watch((state) => state === "closed", 1000).catch(() => log("no reset answer", call.id));
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await call.pc.sctpTransport?.stop();
  await call.pc.close();
}

/**
 * werift's DTLS sends its Finished as a record of epoch 1 numbered after the handshake's records (6, say), then
 * numbers its application data of epoch 1 from 1 again: the browser takes the 6th application record for a replay of
 * the Finished and drops it, and that chunk (an event, a stream reset, an ABORT) arrives only when SCTP retransmits
 * it a second later, if ever. Numbering application data from past the handshake's avoids the collision.
 */
function skipHandshakeSequenceNumbers(transport) {
  transport.onStateChange.subscribe((state) => {
    const context = transport.dtls?.dtls;
    if (state === "connected" && context) context.recordSequenceNumber = Math.max(context.recordSequenceNumber, 1000);
  });
}

async function answer(kind, offer, session, model, clientRequestId) {
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [LOOPBACK],
    iceFilterCandidatePair: (pair) => pair.remoteCandidate.host === LOOPBACK
      && pair.localCandidate.host === LOOPBACK,
    bundlePolicy: "max-bundle",
    codecs: { audio: [useOPUS(), usePCMU()], video: [] },
  });
  const call = { id: id(kind === "live" ? "live" : "rtc"), kind, pc, dc: null, sidebands: new Set(),
    session, ended: false, responses: 0, startedAt: performance.now(),
    allowedClientEvents: session?.client?.data_channel?.allowed_client_events };
  call.summary = { id: call.id, kind, model: model ?? null, clientRequestId: clientRequestId ?? null,
    initialSession: structuredClone(session), session, createdAt: Date.now(), endedAt: null, endReason: null,
    dataChannel: null };
  pc.onDataChannel.subscribe((dc) => {
    if (call.dc || (kind !== "live" && dc.label !== "oai-events")) {
      log("ignored data channel", dc.label);
      return;
    }
    call.dc = dc;
    call.summary.dataChannel = dc.label;
    dc.onMessage.subscribe((data) => handleClientEvent(call, "datachannel", data.toString()));
    const opened = () => {
      if (kind === "live") emit(call, { type: "session.started", session: call.session });
      else if (dc.readyState === "open") dc.send(JSON.stringify({ type: "session.created", session: call.session }));
    };
    dc.stateChanged.subscribe((state) => {
      if (state === "open") opened();
      if (state === "closed") endCall(call, "datachannel_closed");
    });
    if (dc.readyState === "open") opened();
  });
  pc.connectionStateChange.subscribe((state) => {
    if (state === "failed" || state === "closed") endCall(call, `peer_${state}`);
  });
  await pc.setRemoteDescription({ type: "offer", sdp: loopbackOnly(offer) });
  for (const transport of pc.dtlsTransports) skipHandshakeSequenceNumbers(transport);
  // The remote's audio line gets a transceiver that would receive only; a browser that only receives (no
  // microphone) would then be answered "inactive", port 0, which rejects the whole bundle. The model speaks.
  for (const transceiver of pc.getTransceivers()) {
    if (transceiver.kind === "audio") transceiver.setDirection("sendrecv");
  }
  await pc.setLocalDescription(await pc.createAnswer());
  if (pc.iceGatheringState !== "complete") {
    await pc.iceGatheringStateChange.watch((state) => state === "complete", 10_000);
  }
  calls.set(call.id, call);
  record.calls.push(call.summary);
  if (kind === "live") {
    call.usageTimer = setInterval(() => emit(call, { type: "session.usage.updated",
      usage: { seconds: (performance.now() - call.startedAt) / 1000 } }), 1000);
  }
  return { call, sdp: loopbackOnly(pc.localDescription.sdp) };
}

// ---------------------------------------------------------------------------------------------------- HTTP

async function route(req, res) {
  const url = new URL(req.url, "http://fake");
  const path = url.pathname;
  if (req.method === "GET" && path === "/__record") return send(res, 200, record);
  if (req.method === "GET" && path === "/page") {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    return res.end(await readFile(PAGE));
  }
  if (authorization(req) !== "provider-key") return error(res, 401, "invalid_api_key", "Incorrect API key.");
  const body = await readBody(req);
  if (req.method === "POST" && path === "/v1/realtime/calls") {
    const type = req.headers["content-type"] ?? "";
    let offer;
    let session = {};
    if (type.startsWith("application/sdp")) {
      offer = body.toString("utf8");
    } else if (type.startsWith("multipart/form-data")) {
      const parts = multipart(body, type);
      offer = parts.sdp;
      if (parts.session !== undefined) session = JSON.parse(parts.session);
    } else {
      return error(res, 400, "invalid_content_type", `Unsupported content type '${type}'.`);
    }
    if (!offer?.startsWith("v=0")) return error(res, 400, "invalid_offer", "The SDP offer is missing.");
    if (session.type === undefined) session.type = "realtime";
    const model = url.searchParams.get("model") ?? session.model;
    const { call, sdp } = await answer("realtime", offer, session, model, req.headers["x-client-request-id"]);
    res.writeHead(201, { "Content-Type": "application/sdp", Location: `/v1/realtime/calls/${call.id}` });
    return res.end(sdp);
  }
  if (req.method === "POST" && path === "/v1/live/sessions") {
    let parsed;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      return error(res, 400, "invalid_json", "The body must be JSON.");
    }
    const offer = parsed?.transport?.sdp;
    if (parsed?.transport?.type !== "webrtc" || !offer?.startsWith("v=0")) {
      return error(res, 400, "invalid_transport", "transport must be {type: 'webrtc', sdp}.");
    }
    const session = isObject(parsed.session) ? parsed.session : {};
    const { call, sdp } = await answer("live", offer, session, session.model, req.headers["x-client-request-id"]);
    return send(res, 200, { session: { id: call.id, ...session }, transport: { type: "webrtc", sdp } });
  }
  const hangup = /^\/v1\/(?:realtime\/calls|live\/sessions)\/([^/]+)\/hangup$/.exec(path);
  if (req.method === "POST" && hangup) {
    const call = calls.get(hangup[1]);
    if (!call) return error(res, 404, "call_not_found", `No call '${hangup[1]}'.`);
    record.hangups.push({ call: call.id, at: Date.now(), alreadyEnded: call.ended });
    endCall(call, "hangup");
    return send(res, 200, {});
  }
  return error(res, 404, "not_found", `No route ${req.method} ${path}.`);
}

function serve(req, res) {
  res.on("finish", () => {
    if (new URL(req.url, "http://fake").pathname !== "/__record") remember(req, res.statusCode);
  });
  route(req, res).catch((e) => {
    log("error", req.method, req.url, e.stack);
    if (!res.headersSent) error(res, 500, "fake_failed", String(e.message));
  });
}

const server = createServer(serve);

/**
 * A request that asks to upgrade to anything but a WebSocket (the JDK's client offers h2c on plain HTTP) is
 * answered as HTTP/1.1, as a server that ignores the offer would: Node hands every Upgrade request to the
 * 'upgrade' event, body unread, once anyone listens to it.
 */
function servePlain(req, socket, head) {
  const length = Number(req.headers["content-length"] ?? 0);
  const chunks = [head];
  let received = head.length;
  const done = () => {
    socket.removeListener("data", more);
    req.body = Promise.resolve(Buffer.concat(chunks).subarray(0, length));
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.on("finish", () => socket.end());
    serve(req, res);
  };
  const more = (chunk) => {
    chunks.push(chunk);
    received += chunk.length;
    if (received >= length) done();
  };
  if (received >= length) done();
  else socket.on("data", more);
}

// ---------------------------------------------------------------------------------------------------- sideband

const sockets = new WebSocketServer({ noServer: true });

function refuse(socket, req, status, text) {
  remember(req, status);
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

server.on("upgrade", (req, socket, head) => {
  if (req.headers.upgrade?.toLowerCase() !== "websocket") return servePlain(req, socket, head);
  const url = new URL(req.url, "http://fake");
  const live = /^\/v1\/live\/sessions\/([^/]+)\/attach$/.exec(url.pathname);
  const callId = url.pathname === "/v1/realtime" ? url.searchParams.get("call_id") : live?.[1];
  if (callId === undefined || callId === null) return refuse(socket, req, 404, "Not Found");
  if (authorization(req) !== "provider-key") return refuse(socket, req, 401, "Unauthorized");
  const call = calls.get(callId);
  if (!call || call.ended) return refuse(socket, req, 404, "Not Found");
  sockets.handleUpgrade(req, socket, head, (ws) => {
    remember(req, 101);
    const entry = { call: call.id, openedAt: Date.now(), closedAt: null, code: null };
    record.sidebands.push(entry);
    call.sidebands.add(ws);
    ws.on("message", (data) => handleClientEvent(call, "sideband", data.toString()));
    ws.on("close", (code) => {
      entry.closedAt = Date.now();
      entry.code = code;
      call.sidebands.delete(ws);
    });
    const created = { type: "session.created", session: call.session };
    record.sent.push({ call: call.id, type: created.type, event: created, at: Date.now() });
    ws.send(JSON.stringify(created));
  });
});

server.listen(Number(process.env.PORT ?? 0), LOOPBACK, () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    for (const call of calls.values()) endCall(call, "shutdown");
    setTimeout(() => process.exit(0), 100);
  });
}
