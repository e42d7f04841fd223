package dev.ephemera.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenIntrospectionRequest;
import com.nimbusds.oauth2.sdk.TokenIntrospectionResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.TokenRevocationRequest;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.TokenTypeURI;
import com.nimbusds.oauth2.sdk.token.TypelessToken;
import com.nimbusds.oauth2.sdk.tokenexchange.TokenExchangeGrant;
import dev.ephemera.support.Broker;
import dev.ephemera.support.TestIssuer;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A standard OAuth 2.0 client, the Nimbus OAuth 2.0 SDK, unchanged against the broker: it discovers the token
 * endpoint from the RFC 8414 metadata, gets ephemeral tokens by {@code client_credentials} (Basic and in the form)
 * and by RFC 8693 token exchange (a service JWT; a user JWT from its page), reads RFC 6749 §5.2 errors, and
 * introspects and revokes what it got, authenticating as the same client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NimbusOAuthClientTest {

    private final TestIssuer idp = new TestIssuer();
    private Broker broker;
    private AuthorizationServerMetadata metadata;
    private ClientID clientId;
    private Secret secret;

    @BeforeAll
    void start() throws Exception {
        Map<String, Object> config = new HashMap<>(idp.brokerConfig());
        broker = Broker.inMemory(config);
        String issuer = broker.url().replaceAll("/$", "");
        metadata = AuthorizationServerMetadata.resolve(new Issuer(issuer));
        String key = broker.createKey("read", "write");
        clientId = new ClientID("key_" + key.substring("ephk_".length(), "ephk_".length() + 16));
        secret = new Secret(key);
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void theMetadataNamesTheTokenEndpointItsGrantsAndHowClientsAuthenticate() {
        assertThat(metadata.getTokenEndpointURI().toString()).endsWith("/oauth2/token");
        assertThat(metadata.getGrantTypes()).extracting(Object::toString)
                .containsExactly("client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange");
        assertThat(metadata.getTokenEndpointAuthMethods()).extracting(Object::toString)
                .contains("client_secret_basic", "client_secret_post");
        assertThat(metadata.getIntrospectionEndpointAuthMethods()).extracting(Object::toString)
                .contains("client_secret_basic", "client_secret_post");
        assertThat(metadata.getRevocationEndpointAuthMethods()).extracting(Object::toString)
                .contains("client_secret_basic", "client_secret_post");
    }

    @Test
    void clientCredentialsWithBasicAndWithPostGiveEphemeralTokensThatIntrospectAndRevoke() throws Exception {
        for (ClientAuthentication auth : new ClientAuthentication[] {new ClientSecretBasic(clientId, secret),
            new ClientSecretPost(clientId, secret)}) {
            TokenRequest request = new TokenRequest.Builder(metadata.getTokenEndpointURI(), auth,
                    new ClientCredentialsGrant()).customParameter("provider", "openai")
                    .customParameter("model", "gpt-realtime").build();
            AccessTokenResponse tokens = success(request.toHTTPRequest().send());
            BearerAccessToken access = (BearerAccessToken) tokens.getTokens().getAccessToken();
            assertThat(access.getValue()).startsWith("eph_");
            assertThat(access.getLifetime()).isBetween(50L, 60L);

            TokenIntrospectionResponse looked = TokenIntrospectionResponse.parse(new TokenIntrospectionRequest(
                    metadata.getIntrospectionEndpointURI(), auth, access).toHTTPRequest().send());
            assertThat(looked.indicatesSuccess()).isTrue();
            assertThat(looked.toSuccessResponse().isActive()).isTrue();
            assertThat(looked.toSuccessResponse().getStringParameter("provider")).isEqualTo("openai");

            HTTPResponse revoked = new TokenRevocationRequest(metadata.getRevocationEndpointURI(), auth, access)
                    .toHTTPRequest().send();
            assertThat(revoked.getStatusCode()).isEqualTo(200);
            assertThat(TokenIntrospectionResponse.parse(new TokenIntrospectionRequest(
                    metadata.getIntrospectionEndpointURI(), auth, access).toHTTPRequest().send())
                    .toSuccessResponse().isActive()).isFalse();
        }
    }

    @Test
    void tokenExchangeOfAServiceJwtAndOfAUsersJwtOnItsPage() throws Exception {
        TokenRequest service = new TokenRequest.Builder(metadata.getTokenEndpointURI(), new TokenExchangeGrant(
                new TypelessToken(idp.service("billing", "write")), TokenTypeURI.JWT))
                .customParameter("provider", "openai").build();
        AccessTokenResponse forService = success(service.toHTTPRequest().send());
        assertThat(forService.getTokens().getAccessToken().getValue()).startsWith("eph_");
        assertThat(forService.getTokens().getAccessToken().getIssuedTokenType()).isEqualTo(TokenTypeURI.ACCESS_TOKEN);

        // A user's token is for a page: its profile binds it to the page's Origin, which a backend does not have
        // (Java's HttpURLConnection will not even send one; oauth4webapi's test exchanges a user's JWT with it).
        TokenRequest user = new TokenRequest.Builder(metadata.getTokenEndpointURI(), new TokenExchangeGrant(
                new TypelessToken(idp.user("alice")), TokenTypeURI.JWT)).build();
        ErrorObject noPage = error(user.toHTTPRequest().send());
        assertThat(noPage.getCode()).isEqualTo("unauthorized_client");
        assertThat(noPage.getDescription()).contains("origin");
    }

    @Test
    void errorsAreTheOnesOAuthClientsKnow() throws Exception {
        ErrorObject wrongSecret = error(new TokenRequest.Builder(metadata.getTokenEndpointURI(),
                new ClientSecretBasic(clientId, new Secret("ephk_wrong")), new ClientCredentialsGrant())
                .customParameter("provider", "openai").build().toHTTPRequest().send());
        assertThat(wrongSecret.getCode()).isEqualTo("invalid_client");
        assertThat(wrongSecret.getHTTPStatusCode()).isEqualTo(401);

        ErrorObject otherKeysId = error(new TokenRequest.Builder(metadata.getTokenEndpointURI(),
                new ClientSecretPost(new ClientID("key_AAAAAAAAAAAAAAAA"), secret), new ClientCredentialsGrant())
                .customParameter("provider", "openai").build().toHTTPRequest().send());
        assertThat(otherKeysId.getCode()).isEqualTo("invalid_client");

        ErrorObject refresh = error(new TokenRequest.Builder(metadata.getTokenEndpointURI(),
                new ClientSecretBasic(clientId, secret), new RefreshTokenGrant(new RefreshToken("r")))
                .build().toHTTPRequest().send());
        assertThat(refresh.getCode()).isEqualTo("unsupported_grant_type");

        String forged = idp.user("mallory", h -> { }, c -> c.issuer("https://attacker.example"));
        ErrorObject untrusted = error(new TokenRequest.Builder(metadata.getTokenEndpointURI(),
                new TokenExchangeGrant(new TypelessToken(forged), TokenTypeURI.JWT)).build().toHTTPRequest().send());
        assertThat(untrusted.getCode()).isEqualTo("invalid_grant");
        assertThat(untrusted.getHTTPStatusCode()).isEqualTo(400);

        ErrorObject noProvider = error(new TokenRequest.Builder(metadata.getTokenEndpointURI(),
                new ClientSecretBasic(clientId, secret), new ClientCredentialsGrant()).build().toHTTPRequest().send());
        assertThat(noProvider.getCode()).isEqualTo("invalid_request");
    }

    private static AccessTokenResponse success(HTTPResponse http) throws Exception {
        TokenResponse response = TokenResponse.parse(http);
        assertThat(response.indicatesSuccess()).as(http.getBody()).isTrue();
        assertThat(http.getHeaderValue("Cache-Control")).isEqualTo("no-store");
        return response.toSuccessResponse();
    }

    private static ErrorObject error(HTTPResponse http) throws Exception {
        TokenResponse response = TokenResponse.parse(http);
        assertThat(response.indicatesSuccess()).as(http.getBody()).isFalse();
        return ((TokenErrorResponse) response).getErrorObject();
    }
}
