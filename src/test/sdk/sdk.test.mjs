// The official SDKs, as published, against Ephemera. Run by SdkCompatibilityTest, which starts the broker (over
// TLS) and a fake provider, and passes:
//   EPHEMERA_URL       https://localhost:<port>
//   EPHEMERA_API_KEY   an Ephemera API key with write
//   SECRETS_NEVER_SEEN provider keys, comma-separated: no answer the SDKs get may contain them
// The broker's self-signed certificate is trusted through NODE_EXTRA_CA_CERTS; nothing is patched.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { OpenAIRealtimeWS } from "openai/realtime/ws";
import Anthropic from "@anthropic-ai/sdk";

const broker = process.env.EPHEMERA_URL;
const apiKey = process.env.EPHEMERA_API_KEY;
const secrets = (process.env.SECRETS_NEVER_SEEN ?? "").split(",").filter(Boolean);

function assertNoSecret(value) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  for (const secret of secrets) assert.ok(!text.includes(secret), "a provider key reached the SDK");
}

async function mint(provider, maxUses) {
  const response = await fetch(`${broker}/v1/tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ provider, max_uses: maxUses }),
  });
  assert.equal(response.status, 201);
  return (await response.json()).value;
}

function openRealtime(token) {
  const client = new OpenAI({ apiKey: token, baseURL: `${broker}/v1` });
  const rt = new OpenAIRealtimeWS({ model: "gpt-realtime" }, client);
  const opened = new Promise((resolve, reject) => {
    rt.socket.once("open", resolve);
    rt.on("error", reject);
    rt.socket.once("close", () => reject(new Error("closed before open")));
  });
  return { rt, opened };
}

test("openai: clientSecrets.create mints a token; OpenAIRealtimeWS uses it once through the relay", { timeout: 20_000 }, async () => {
  const backend = new OpenAI({ apiKey, baseURL: `${broker}/v1` });
  const secret = await backend.realtime.clientSecrets.create({
    expires_after: { anchor: "created_at", seconds: 60 },
    session: { type: "realtime", model: "gpt-realtime", instructions: "Be brief." },
  });
  assert.match(secret.value, /^eph_/);
  assert.ok(secret.expires_at > Date.now() / 1000);
  assert.equal(secret.session.model, "gpt-realtime");
  assertNoSecret(secret);

  const { rt, opened } = openRealtime(secret.value);
  const seen = [];
  const done = new Promise((resolve) => rt.on("response.done", resolve));
  rt.on("event", (event) => seen.push(event.type));
  await opened;
  rt.send({ type: "session.update", session: { type: "realtime", output_modalities: ["text"] } });
  rt.send({ type: "response.create" });
  await done;
  assert.ok(seen.includes("session.updated"), `events: ${seen}`);
  assert.ok(seen.includes("response.created"), `events: ${seen}`);
  rt.close();

  const second = openRealtime(secret.value);
  await assert.rejects(second.opened, /401|Unexpected server response|closed before open/);
});

test("openai: chat.completions.create through /v1/proxy/openai, plain and streaming", { timeout: 20_000 }, async () => {
  const client = new OpenAI({ apiKey: await mint("openai", 2), baseURL: `${broker}/v1/proxy/openai` });
  const completion = await client.chat.completions.create({
    model: "gpt-4o", messages: [{ role: "user", content: "ping" }],
  });
  assert.equal(completion.choices[0].message.content, "pong");
  assertNoSecret(completion);

  const stream = await client.chat.completions.create({
    model: "gpt-4o", messages: [{ role: "user", content: "ping" }], stream: true,
  });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  assert.equal(text, "pong");

  await assert.rejects(client.chat.completions.create({ model: "gpt-4o", messages: [] }),
    (e) => e.status === 401 && e.error?.code === "token_already_used");
});

test("anthropic: messages.create through /v1/proxy/anthropic, plain and streaming", { timeout: 20_000 }, async () => {
  const client = new Anthropic({ apiKey: await mint("anthropic", 2), baseURL: `${broker}/v1/proxy/anthropic` });
  const message = await client.messages.create({
    model: "claude-fake", max_tokens: 16, messages: [{ role: "user", content: "ping" }],
  });
  assert.equal(message.content[0].text, "pong");
  assertNoSecret(message);

  const stream = await client.messages.create({
    model: "claude-fake", max_tokens: 16, messages: [{ role: "user", content: "ping" }], stream: true,
  });
  let text = "";
  for await (const event of stream) {
    if (event.type === "content_block_delta") text += event.delta.text;
  }
  assert.equal(text, "pong");
});
