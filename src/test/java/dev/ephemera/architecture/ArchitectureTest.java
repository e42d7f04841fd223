package dev.ephemera.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package graph's rules (ARCHITECTURE.md) besides its layers ({@link LayersTest}): the top-level packages under
 * {@code dev.ephemera} import each other without a cycle, the domain knows no HTTP, and each library stays in the
 * packages that must touch it.
 */
@AnalyzeClasses(packages = "dev.ephemera", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** What Micronaut's annotation processor writes beside a bean ({@code $TokenController$Definition}, …). */
    private static final String GENERATED = ".*\\.\\$.*";

    @ArchTest
    static final ArchRule TOP_LEVEL_PACKAGES_FORM_NO_CYCLE = slices().matching("dev.ephemera.(*)..")
            .should().beFreeOfCycles();

    /** Tokens, keys, limits and errors, with their stores' interfaces; their controllers are the HTTP edge. */
    @ArchTest
    static final ArchRule THE_DOMAIN_KNOWS_NO_HTTP = noClasses()
            .that().resideInAnyPackage("dev.ephemera.error..", "dev.ephemera.token..", "dev.ephemera.apikey..",
                    "dev.ephemera.ratelimit..", "dev.ephemera.secret..", "dev.ephemera.audit..",
                    "dev.ephemera.metrics..")
            .and().haveSimpleNameNotEndingWith("Controller")
            .and().doNotHaveSimpleName("ApiKeyAuthenticationFetcher")
            .and().haveNameNotMatching(GENERATED)
            .should().dependOnClassesThat().resideInAPackage("io.micronaut.http..");

    /** Nor does it use the broker's HTTP plumbing: request bodies, client addresses and CORS are the doors' own. */
    @ArchTest
    static final ArchRule THE_DOMAIN_IMPORTS_NO_WEB = noClasses()
            .that().resideInAnyPackage("dev.ephemera.error..", "dev.ephemera.token..", "dev.ephemera.apikey..",
                    "dev.ephemera.ratelimit..", "dev.ephemera.secret..", "dev.ephemera.audit..",
                    "dev.ephemera.metrics..", "dev.ephemera.provider..", "dev.ephemera.json..", "dev.ephemera.url..")
            .and().haveSimpleNameNotEndingWith("Controller")
            .and().doNotHaveSimpleName("ApiKeyAuthenticationFetcher")
            .and().haveNameNotMatching(GENERATED)
            .should().dependOnClassesThat().resideInAPackage("dev.ephemera.web..");

    /**
     * The three relays share one redemption and one meter ({@code relay}) and the realtime events
     * ({@code relay.event}), and nothing of one another; the shared part knows none of them.
     */
    @ArchTest
    static final ArchRule THE_RELAYS_SHARE_ONLY_THE_RELAY_PACKAGE = slices()
            .matching("dev.ephemera.relay.(*)..").should().notDependOnEachOther()
            .ignoreDependency(DescribedPredicate.alwaysTrue(), JavaClass.Predicates.resideInAPackage(
                    "dev.ephemera.relay.event.."));

    @ArchTest
    static final ArchRule THE_SHARED_RELAY_KNOWS_NO_TRANSPORT = noClasses()
            .that().resideInAnyPackage("dev.ephemera.relay", "dev.ephemera.relay.event..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.ephemera.relay.realtime..",
                    "dev.ephemera.relay.http..", "dev.ephemera.relay.webrtc..");

    @ArchTest
    static final ArchRule NIMBUS_ONLY_WHERE_JWTS_ARE_MADE_AND_READ = noClasses()
            .that().resideOutsideOfPackages("dev.ephemera.token.jwt..", "dev.ephemera.auth..")
            .should().dependOnClassesThat().resideInAPackage("com.nimbusds..");

    /** Google's auth library (and its HTTP client) only where Vertex AI's access tokens are fetched. */
    @ArchTest
    static final ArchRule GOOGLE_AUTH_ONLY_IN_THE_PROVIDER_PACKAGE = noClasses()
            .that().resideOutsideOfPackage("dev.ephemera.provider")
            .should().dependOnClassesThat().resideInAnyPackage("com.google.auth..", "com.google.api.client..");

    @ArchTest
    static final ArchRule LETTUCE_ONLY_IN_THE_REDIS_STORE = noClasses()
            .that().resideOutsideOfPackage("dev.ephemera.store.redis..")
            .should().dependOnClassesThat().resideInAPackage("io.lettuce..");

    /**
     * The relay's pipes and the Redis lanes on the server's event loops, and the development provider's server of
     * its own (on a loopback port, reached through the relays like any provider); besides them only the error route
     * for bodies that do not decompress, whose exception Micronaut lets through as Netty raised it.
     */
    @ArchTest
    static final ArchRule NETTY_ONLY_IN_THE_RELAY_THE_REDIS_LANES_AND_THE_DEV_PROVIDER = noClasses()
            .that().resideOutsideOfPackages("dev.ephemera.relay..", "dev.ephemera.store.redis..",
                    "dev.ephemera.devprovider..")
            .and().haveNameNotMatching("dev\\.ephemera\\.web\\.\\$?UndecodableBodyRoute(\\$.*)?")
            .should().dependOnClassesThat().resideInAPackage("io.netty..");
}
