// oauth4webapi, as published, against Ephemera's OAuth endpoints. Run by OAuthClientLibrariesTest, which starts the
// broker over TLS and passes:
//   EPHEMERA_URL            https://localhost:<port> (the issuer)
//   EPHEMERA_CLIENT_ID      an API key's id (read, write)
//   EPHEMERA_CLIENT_SECRET  that key
//   USER_JWT                a user's JWT from a trusted issuer, for token exchange
//   PAGE_ORIGIN             the origin the user's profile allows
// The broker's self-signed certificate is trusted through NODE_EXTRA_CA_CERTS; nothing is patched.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as oauth from "oauth4webapi";

const issuer = new URL(process.env.EPHEMERA_URL);
const client = { client_id: process.env.EPHEMERA_CLIENT_ID };
const secret = process.env.EPHEMERA_CLIENT_SECRET;

async function discover() {
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: "oauth2" }));
}

for (const [name, clientAuth] of [["client_secret_basic", oauth.ClientSecretBasic(secret)],
  ["client_secret_post", oauth.ClientSecretPost(secret)]]) {
  test(`${name}: client credentials, then introspection and revocation of the token`, async () => {
    const as = await discover();
    assert.ok(as.grant_types_supported.includes("client_credentials"));
    const response = await oauth.clientCredentialsGrantRequest(as, client, clientAuth,
      new URLSearchParams({ provider: "openai", model: "gpt-realtime" }));
    const token = await oauth.processClientCredentialsResponse(as, client, response);
    assert.match(token.access_token, /^eph_/);
    assert.equal(token.token_type, "bearer");
    assert.ok(token.expires_in > 0 && token.expires_in <= 60);

    const looked = await oauth.processIntrospectionResponse(as, client,
      await oauth.introspectionRequest(as, client, clientAuth, token.access_token));
    assert.equal(looked.active, true);
    assert.equal(looked.provider, "openai");

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, token.access_token));
    const after = await oauth.processIntrospectionResponse(as, client,
      await oauth.introspectionRequest(as, client, clientAuth, token.access_token));
    assert.equal(after.active, false);
  });
}

test("token exchange: a user's JWT on its page gets a browser token; a wrong secret is invalid_client", async () => {
  const as = await discover();
  const response = await oauth.genericTokenEndpointRequest(as, { client_id: "browser" }, oauth.None(),
    "urn:ietf:params:oauth:grant-type:token-exchange",
    new URLSearchParams({ subject_token: process.env.USER_JWT,
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt" }),
    { headers: new Headers({ Origin: process.env.PAGE_ORIGIN }) });
  const token = await oauth.processGenericTokenEndpointResponse(as, { client_id: "browser" }, response);
  assert.match(token.access_token, /^eph_/);
  assert.equal(token.issued_token_type, "urn:ietf:params:oauth:token-type:access_token");

  const refused = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic("ephk_wrong"),
    new URLSearchParams({ provider: "openai" }));
  // RFC 6749 §5.2: 401 with a challenge for the scheme the client used, and the error in the body.
  const failure = await oauth.processClientCredentialsResponse(as, client, refused).then(() => null, (e) => e);
  assert.ok(failure instanceof oauth.WWWAuthenticateChallengeError, String(failure));
  assert.equal(failure.status, 401);
  assert.equal(failure.cause[0].scheme, "basic");
  assert.equal((await failure.response.json()).error, "invalid_client");
});
