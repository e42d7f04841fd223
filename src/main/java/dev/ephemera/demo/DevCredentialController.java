package dev.ephemera.demo;

import dev.ephemera.apikey.ApiKeyService;
import dev.ephemera.auth.Permission;
import dev.ephemera.devprovider.DevOnly;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.profile.Profiles;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.env.Environment;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /demo/credential}: in development ({@code ephemera.demo.dev-credential}, never in the packaged
 * defaults), the demo page's API key ({@code read} and {@code write}: it mints the page's tokens and stands in for
 * the backend that watches and ends its sessions), made on first use, with the profiles it may pick, and handed
 * only to a page on this machine: the TCP peer is a loopback address, no header says a proxy forwarded the request
 * (any {@code X-Forwarded-*}, {@code Forwarded}, {@code Via}, {@code X-Real-IP} and the like), the
 * {@code Host} names the loopback interface (a rebound DNS name does not), and a browser says the fetch is its own
 * origin's. Anything else is {@code 403 origin_not_allowed}. With a shared store the broker refuses to start with
 * it unless {@code ephemera.dev-provider.allow-with-redis} says so.
 */
@Context
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
@Requires(property = "ephemera.demo.enabled", value = "true")
@Requires(property = "ephemera.demo.dev-credential", value = "true")
final class DevCredentialController {

    private static final Logger LOG = LoggerFactory.getLogger(DevCredentialController.class);
    private static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]");
    /**
     * Headers a proxy, load balancer or CDN in front writes (besides every {@code X-Forwarded-*}): any of them means
     * the TCP peer is not the browser, so a loopback peer proves nothing about where the page is.
     */
    private static final Set<String> FORWARDING_HEADERS = Set.of("via", "x-real-ip", "true-client-ip",
            "x-client-ip", "x-cluster-client-ip", "fastly-client-ip", "x-host", "cdn-loop", "front-end-https",
            "x-url-scheme");
    /** Families of proxy and CDN headers: any name that starts so. */
    private static final List<String> FORWARDING_PREFIXES = List.of("x-forwarded", "x-original-", "x-envoy-", "cf-",
            "x-azure-", "x-vercel-", "fly-", "x-amzn-", "x-appengine-", "x-akamai-");

    private final ApiKeyService keys;
    private final List<Map<String, String>> profiles;
    private final AtomicReference<CompletableFuture<String>> key = new AtomicReference<>();

    DevCredentialController(ApiKeyService keys, Profiles profiles, Environment environment) {
        DevOnly.refuseWithSharedStore(environment, "ephemera.demo.dev-credential");
        this.keys = keys;
        this.profiles = profiles.all().stream().map(p -> Map.of("name", p.name(), "provider", p.provider(),
                "model", p.model() == null ? "" : p.model())).toList();
        LOG.warn("Development credential active (ephemera.demo.dev-credential): the demo page on this machine gets "
                + "an API key with read and write without signing in. Never enable it in production.");
    }

    @Get(uri = "/demo/credential", produces = MediaType.APPLICATION_JSON)
    CompletionStage<HttpResponse<Map<String, Object>>> credential(HttpRequest<?> request) {
        if (!fromThisMachine(request)) {
            throw new BrokerException(ErrorCode.ORIGIN_NOT_ALLOWED, "The development credential is handed only to a "
                    + "page opened on this machine (http://localhost:…).");
        }
        CompletableFuture<String> made = new CompletableFuture<>();
        CompletableFuture<String> existing = key.compareAndExchange(null, made);
        if (existing == null) {
            keys.create(new ApiKeyService.Spec("demo page (development)", EnumSet.of(Permission.READ,
                    Permission.WRITE), null, List.of(), List.of(), null, null), "demo")
                    .whenComplete((created, failure) -> {
                        if (failure != null) {
                            key.set(null);
                            made.completeExceptionally(failure);
                        } else {
                            made.complete(created.key());
                        }
                    });
            existing = made;
        }
        return existing.thenApply(k -> HttpResponse.<Map<String, Object>>ok(Map.of("key", k, "profiles",
                profiles)).header(HttpHeaders.CACHE_CONTROL, "no-store"));
    }

    static boolean fromThisMachine(HttpRequest<?> request) {
        InetAddress peer = request.getRemoteAddress().getAddress();
        HttpHeaders headers = request.getHeaders();
        if (peer == null || !peer.isLoopbackAddress() || forwarded(headers)
                || headers.getAll(HttpHeaders.HOST).size() != 1) {
            return false;
        }
        String site = headers.get("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return false;
        }
        // A page's Origin, when sent, must be this machine's too (a same-origin fetch with a foreign Origin is no
        // browser's).
        String origin = headers.get(HttpHeaders.ORIGIN);
        if (origin != null && !loopbackUrl(origin)) {
            return false;
        }
        return loopbackUrl("http://" + headers.get(HttpHeaders.HOST) + "/");
    }

    private static boolean loopbackUrl(String url) {
        try {
            URI uri = new URI(url);
            return uri.getHost() != null && uri.getRawUserInfo() == null
                    && LOOPBACK_HOSTS.contains(uri.getHost().toLowerCase(Locale.ROOT));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** Whether any header says a proxy passed the request on; names compared case-insensitively, as HTTP says. */
    private static boolean forwarded(HttpHeaders headers) {
        for (String name : headers.names()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.contains("forwarded") || FORWARDING_HEADERS.contains(lower)
                    || FORWARDING_PREFIXES.stream().anyMatch(lower::startsWith)) {
                return true;
            }
        }
        return false;
    }
}
