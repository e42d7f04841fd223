package dev.ephemera.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.TestIssuer;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** User and service JWTs: what is accepted, and a table of attacks that must each be refused. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwtCallerTest {

    private static final String APP = "https://app.example.com";
    private final TestIssuer idp = new TestIssuer();
    private final AtomicInteger outbound = new AtomicInteger();
    private HttpServer trap;
    private String trapUrl;
    private Broker broker;

    @BeforeAll
    void start() throws Exception {
        trap = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        trap.createContext("/", exchange -> {
            outbound.incrementAndGet();
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        trap.start();
        trapUrl = "http://127.0.0.1:" + trap.getAddress().getPort() + "/keys";
        broker = Broker.inMemory(idp.brokerConfig());
    }

    @AfterAll
    void stop() {
        broker.close();
        trap.stop(0);
    }

    private Reply realtimeToken(String bearer) {
        return broker.send(HttpRequest.POST("/realtime-token", "{}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .header("Origin", APP).header("Authorization", "Bearer " + bearer));
    }

    @Test
    void userJwtMintsFromTheProfileBoundToTheOriginWithSubAsSubject() {
        Reply r = realtimeToken(idp.user("alice"));
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json()).containsEntry("provider", "openai").containsEntry("model", "gpt-realtime")
                .containsEntry("subject", "alice").containsEntry("origin", APP);
        assertThat(r.json().get("session").toString()).contains("voice");
        assertThat(r.json().get("locked_fields").toString()).contains("voice");
    }

    @Test
    void userJwtMayNotUseTheServiceEndpoints() {
        Reply r = broker.postJson("/v1/tokens", idp.user("alice"), Map.of("provider", "openai"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.code()).isEqualTo("insufficient_permissions");
    }

    @Test
    void serviceJwtGetsPermissionsFromItsScope() {
        assertThat(broker.postJson("/v1/tokens", idp.service("billing", "ephemera:write read"),
                Map.of("provider", "openai")).status()).isEqualTo(201);
        assertThat(broker.postJson("/v1/tokens", idp.service("reporting", "read"),
                Map.of("provider", "openai")).code()).isEqualTo("insufficient_permissions");
    }

    @Test
    void serviceTokenCannotPassAsAUserTokenNorTheBrokersOwnJwtAsEither() {
        assertThat(realtimeToken(idp.service("billing", "write")).status()).isIn(201, 401);
        String ephJwt = broker.mint(broker.createKey("write"), Map.of("provider", "openai", "format", "jwt"))
                .string("value");
        assertThat(realtimeToken(ephJwt).status()).isEqualTo(401);
        assertThat(broker.postJson("/v1/tokens", ephJwt, Map.of("provider", "openai")).status()).isEqualTo(401);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void refusesEveryAttackWith401AndNoOutboundRequest(String name, String token) {
        int before = outbound.get();
        Reply r = realtimeToken(token);
        assertThat(r.status()).as(name).isEqualTo(401);
        assertThat(r.code()).as(name).isIn("invalid_token", "expired_token", "malformed_authorization",
                "invalid_api_key");
        assertThat(outbound.get()).as(name + ": outbound requests").isEqualTo(before);
    }

    @Test
    void aOneMegabyteTokenIsRefusedBeforeAnythingParsesIt() {
        Reply r = realtimeToken(idp.user("m", h -> { }, c -> c.claim("pad", "x".repeat(1 << 20))));
        assertThat(r.status()).as("the server's header limit answers first").isEqualTo(413);
        assertThat(r.code()).isEqualTo("payload_too_large");
    }

    Stream<Arguments> attacks() throws Exception {
        ECKey attacker = new ECKeyGenerator(Curve.P_256).keyID("user-key-1").generate();
        String good = idp.user("mallory");
        String[] parts = good.split("\\.");
        Instant now = Instant.now();
        return Stream.of(
                Arguments.of("alg none", b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + "."),
                Arguments.of("stripped signature", parts[0] + "." + parts[1] + "."),
                Arguments.of("HS256 keyed with the issuer's public key", hs256WithPublicKey()),
                Arguments.of("unknown kid", idp.user("m", h -> h.keyID("other"), c -> { })),
                Arguments.of("kid with a path", idp.user("m", h -> h.keyID("../../../etc/passwd"), c -> { })),
                Arguments.of("kid with quotes", idp.user("m", h -> h.keyID("k' OR '1'='1\""), c -> { })),
                Arguments.of("jku header", signed(attacker, new JWSHeader.Builder(JWSAlgorithm.ES256)
                        .type(JOSEObjectType.JWT).keyID("user-key-1").jwkURL(URI.create(trapUrl)))),
                Arguments.of("x5u header", signed(attacker, new JWSHeader.Builder(JWSAlgorithm.ES256)
                        .type(JOSEObjectType.JWT).keyID("user-key-1").x509CertURL(URI.create(trapUrl)))),
                Arguments.of("embedded jwk", signed(attacker, new JWSHeader.Builder(JWSAlgorithm.ES256)
                        .type(JOSEObjectType.JWT).keyID("user-key-1").jwk(attacker.toPublicJWK()))),
                Arguments.of("crit with an unknown name", idp.user("m", h -> h.criticalParams(Set.of("exp2"))
                        .customParam("exp2", 1), c -> { })),
                Arguments.of("ES256 with r = s = 0", parts[0] + "." + parts[1] + "." + Base64.getUrlEncoder()
                        .withoutPadding().encodeToString(new byte[64])),
                Arguments.of("expired", idp.user("m", h -> { },
                        c -> c.expirationTime(Date.from(now.minusSeconds(60))))),
                Arguments.of("exp missing", idp.user("m", h -> { }, c -> c.expirationTime(null))),
                Arguments.of("nbf in the future", idp.user("m", h -> { },
                        c -> c.notBeforeTime(Date.from(now.plusSeconds(60))))),
                Arguments.of("wrong iss", idp.user("m", h -> { }, c -> c.issuer("https://evil.test"))),
                Arguments.of("wrong aud", idp.user("m", h -> { }, c -> c.audience("someone-else"))),
                Arguments.of("missing aud", idp.user("m", h -> { }, c -> c.audience((String) null))),
                Arguments.of("wrong typ", idp.user("m", h -> h.type(new JOSEObjectType("at+jwt")), c -> { })),
                Arguments.of("typ of the broker's own tokens", idp.user("m", h -> h.type(new JOSEObjectType(
                        "eph+jwt")), c -> { })),
                Arguments.of("a 20 KB token", idp.user("m", h -> { }, c -> c.claim("pad", "x".repeat(20_000)))),
                Arguments.of("claims nested 10,000 levels", parts[0] + "." + b64("{\"iss\":\"" + TestIssuer.USERS
                        + "\",\"deep\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}") + "." + parts[2]));
    }

    private String hs256WithPublicKey() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT)
                .keyID("user-key-1").build(), TestIssuer.userClaims("m").build());
        jwt.sign(new MACSigner(idp.userKey.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    private static String signed(ECKey key, JWSHeader.Builder header) throws Exception {
        JWTClaimsSet claims = TestIssuer.userClaims("m").build();
        SignedJWT jwt = new SignedJWT(header.build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
