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
import java.util.function.Consumer;
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

    /**
     * A service JWT is a backend's credential: with {@code write} it mints on {@code /realtime-token} as that service
     * (like an API key), never as a user; without it, it cannot pass for a user token, which needs no permission.
     * The broker's own {@code eph+jwt} passes for neither.
     */
    @Test
    void serviceTokenCannotPassAsAUserTokenNorTheBrokersOwnJwtAsEither() {
        Reply asBackend = realtimeToken(idp.service("billing", "write"));
        assertThat(asBackend.status()).isEqualTo(201);
        assertThat(asBackend.json()).containsEntry("subject", "billing");
        Reply withoutWrite = realtimeToken(idp.service("reporting", "read"));
        assertThat(withoutWrite.status()).isEqualTo(403);
        assertThat(withoutWrite.code()).isEqualTo("insufficient_permissions");
        String ephJwt = broker.mint(broker.createKey("write"), Map.of("provider", "openai", "format", "jwt"))
                .string("value");
        for (Caller path : Caller.values()) {
            Reply r = call(path, ephJwt);
            assertThat(r.status()).as(path.name()).isEqualTo(401);
            assertThat(r.code()).as(path.name()).isEqualTo("invalid_token");
        }
    }

    /**
     * The {@code typ} rule alone: the same issuer, key and claims, once with the issuer's {@code typ} (accepted) and
     * once with the other kind's (refused), on both paths.
     */
    @Test
    void theTypAloneDecidesBetweenAUserTokenAndAServiceToken() {
        assertThat(realtimeToken(idp.user("alice")).status()).isEqualTo(201);
        Reply userAsService = realtimeToken(idp.user("alice", h -> h.type(new JOSEObjectType("at+jwt")), c -> { }));
        assertThat(userAsService.status()).isEqualTo(401);
        assertThat(userAsService.code()).isEqualTo("invalid_token");

        assertThat(call(Caller.SERVICE, idp.service("billing", "write")).status()).isEqualTo(201);
        Reply serviceAsUser = call(Caller.SERVICE, idp.service("billing", "write",
                h -> h.type(JOSEObjectType.JWT), c -> { }));
        assertThat(serviceAsUser.status()).isEqualTo(401);
        assertThat(serviceAsUser.code()).isEqualTo("invalid_token");
    }

    /** The two places a caller's JWT is accepted. */
    enum Caller { USER, SERVICE }

    private Reply call(Caller path, String bearer) {
        return path == Caller.USER ? realtimeToken(bearer)
                : broker.send(HttpRequest.POST("/v1/tokens", "{\"provider\":\"openai\"}")
                        .contentType(MediaType.APPLICATION_JSON_TYPE).header("Authorization", "Bearer " + bearer));
    }

    /** The code each attack is refused with, where it is not {@code invalid_token}. */
    private static final Map<String, String> CODES = Map.of("expired", "expired_token",
            "a 20 KB token", "malformed_authorization", "claims nested 10,000 levels", "malformed_authorization");

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("attacks")
    void refusesEveryAttackWith401AndNoOutboundRequest(Caller path, String name, String token) {
        int before = outbound.get();
        Reply r = call(path, token);
        assertThat(r.status()).as(name).isEqualTo(401);
        assertThat(r.code()).as(name).isEqualTo(CODES.getOrDefault(name, "invalid_token"));
        assertThat(r.headers().get("WWW-Authenticate")).as(name).isNotNull();
        assertThat(outbound.get()).as(name + ": outbound requests").isEqualTo(before);
    }

    @Test
    void aOneMegabyteTokenIsRefusedBeforeAnythingParsesIt() {
        Reply r = realtimeToken(idp.user("m", h -> { }, c -> c.claim("pad", "x".repeat(1 << 20))));
        assertThat(r.status()).as("the server's header limit answers first").isEqualTo(413);
        assertThat(r.code()).isEqualTo("payload_too_large");
    }

    /** A token of the path's own issuer, signed with its key, after the header and claims were edited. */
    private interface Forge {
        String token(Consumer<JWSHeader.Builder> header, Consumer<JWTClaimsSet.Builder> claims);
    }

    Stream<Arguments> attacks() throws Exception {
        return Stream.concat(
                attacksOn(Caller.USER, (h, c) -> idp.user("m", h, c), () -> TestIssuer.userClaims("m"),
                        idp.userKey.toPublicJWK().toJSONString(), TestIssuer.USERS, "user-key-1", JOSEObjectType.JWT,
                        new JOSEObjectType("at+jwt")),
                attacksOn(Caller.SERVICE, (h, c) -> idp.service("m", "write", h, c),
                        () -> TestIssuer.serviceClaims("m", "write"), idp.serviceKey.toPublicJWK().toJSONString(),
                        TestIssuer.SERVICES, "svc-key-1", new JOSEObjectType("at+jwt"), JOSEObjectType.JWT));
    }

    private Stream<Arguments> attacksOn(Caller path, Forge forge,
            java.util.function.Supplier<JWTClaimsSet.Builder> claims, String publicKeyJson, String iss, String kid,
            JOSEObjectType typ, JOSEObjectType otherTyp) throws Exception {
        ECKey attacker = new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        String good = forge.token(h -> { }, c -> { });
        String[] parts = good.split("\\.");
        String alg = path == Caller.USER ? "ES256" : "RS256";
        Instant now = Instant.now();
        return Stream.of(
                Arguments.of(path, "alg none", b64("{\"alg\":\"none\",\"typ\":\"" + typ + "\"}") + "." + parts[1]
                        + "."),
                Arguments.of(path, "stripped signature", parts[0] + "." + parts[1] + "."),
                Arguments.of(path, "HS256 keyed with the issuer's public key", hs256(publicKeyJson, kid, typ,
                        claims.get().build())),
                Arguments.of(path, "unknown kid", forge.token(h -> h.keyID("other"), c -> { })),
                Arguments.of(path, "kid with a path", forge.token(h -> h.keyID("../../../etc/passwd"), c -> { })),
                Arguments.of(path, "kid with quotes", forge.token(h -> h.keyID("k' OR '1'='1\""), c -> { })),
                Arguments.of(path, "jku header", signed(attacker, claims.get().build(),
                        new JWSHeader.Builder(JWSAlgorithm.ES256).type(typ).keyID(kid).jwkURL(URI.create(trapUrl)))),
                Arguments.of(path, "x5u header", signed(attacker, claims.get().build(),
                        new JWSHeader.Builder(JWSAlgorithm.ES256).type(typ).keyID(kid)
                                .x509CertURL(URI.create(trapUrl)))),
                Arguments.of(path, "embedded jwk", signed(attacker, claims.get().build(),
                        new JWSHeader.Builder(JWSAlgorithm.ES256).type(typ).keyID(kid).jwk(attacker.toPublicJWK()))),
                Arguments.of(path, "another key under the issuer's kid", signed(attacker, claims.get().build(),
                        new JWSHeader.Builder(JWSAlgorithm.ES256).type(typ).keyID(kid))),
                Arguments.of(path, "crit with an unknown name", forge.token(h -> h.criticalParams(Set.of("exp2"))
                        .customParam("exp2", 1), c -> { })),
                Arguments.of(path, "zero signature", parts[0] + "." + parts[1] + "." + Base64.getUrlEncoder()
                        .withoutPadding().encodeToString(new byte[alg.equals("ES256") ? 64 : 256])),
                Arguments.of(path, "expired", forge.token(h -> { },
                        c -> c.expirationTime(Date.from(now.minusSeconds(60))))),
                Arguments.of(path, "exp missing", forge.token(h -> { }, c -> c.expirationTime(null))),
                Arguments.of(path, "nbf in the future", forge.token(h -> { },
                        c -> c.notBeforeTime(Date.from(now.plusSeconds(60))))),
                Arguments.of(path, "wrong iss", forge.token(h -> { }, c -> c.issuer("https://evil.test"))),
                Arguments.of(path, "wrong aud", forge.token(h -> { }, c -> c.audience("someone-else"))),
                Arguments.of(path, "missing aud", forge.token(h -> { }, c -> c.audience((String) null))),
                Arguments.of(path, "the other kind's typ", forge.token(h -> h.type(otherTyp), c -> { })),
                Arguments.of(path, "no typ", forge.token(h -> h.type(null), c -> { })),
                Arguments.of(path, "typ of the broker's own tokens", forge.token(h -> h.type(new JOSEObjectType(
                        "eph+jwt")), c -> { })),
                Arguments.of(path, "a 20 KB token", forge.token(h -> { }, c -> c.claim("pad", "x".repeat(20_000)))),
                Arguments.of(path, "claims nested 10,000 levels", parts[0] + "." + b64("{\"iss\":\"" + iss
                        + "\",\"deep\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}") + "." + parts[2]));
    }

    private static String hs256(String publicKeyJson, String kid, JOSEObjectType typ, JWTClaimsSet claims)
            throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(typ).keyID(kid).build(),
                claims);
        jwt.sign(new MACSigner(publicKeyJson.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    private static String signed(ECKey key, JWTClaimsSet claims, JWSHeader.Builder header) throws Exception {
        SignedJWT jwt = new SignedJWT(header.build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
