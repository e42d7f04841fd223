package dev.ephemera.support;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.sse.Event;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** The fake providers' HTTP endpoints. Each records the request, then answers like the provider would. */
@Controller("/fake/{provider}")
@Secured(SecurityRule.IS_ANONYMOUS)
@Requires(property = "fake.upstream", value = "true")
final class FakeProviderController {

    private final FakeRecorder recorder;

    FakeProviderController(FakeRecorder recorder) {
        this.recorder = recorder;
    }

    private void record(HttpRequest<?> request, @Nullable String body) {
        Map<String, List<String>> headers = new HashMap<>();
        request.getHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        recorder.clientPorts.add(request.getRemoteAddress().getPort());
        recorder.requests.add(new FakeRecorder.Seen(request.getMethodName(), request.getUri().toString(), headers,
                body == null ? "" : body));
    }

    @Post(uri = "/chat/completions", consumes = MediaType.APPLICATION_JSON,
            produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM})
    HttpResponse<?> chat(HttpRequest<?> request, @Body String body) {
        record(request, body);
        if (body.replace(" ", "").contains("\"stream\":true")) {
            String chunk = "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                    + "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"},"
                    + "\"finish_reason\":null}]}";
            return HttpResponse.ok(Flux.just(Event.of(chunk.formatted("po")), Event.of(chunk.formatted("ng")),
                    Event.of("[DONE]"))).contentType(MediaType.TEXT_EVENT_STREAM_TYPE);
        }
        return HttpResponse.ok("{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"pong\"},\"finish_reason\":\"stop\"}]}")
                .header("X-Request-Id", "req_upstream_1")
                // As permissive as a provider may be: the broker alone decides CORS for its browsers.
                .header("Access-Control-Allow-Origin", "*")
                .header("Access-Control-Allow-Credentials", "true")
                .header("Access-Control-Allow-Headers", "*")
                .header("Vary", "Origin");
    }

    @Post(uri = "/stream", produces = MediaType.TEXT_EVENT_STREAM)
    Publisher<Event<String>> stream(HttpRequest<?> request, @Body String body) {
        record(request, body);
        CountDownLatch gate = recorder.streamGate;
        return Flux.concat(
                Mono.just(Event.of("{\"delta\":\"first\"}")),
                Mono.fromCallable(() -> gate.await(10, TimeUnit.SECONDS)).subscribeOn(Schedulers.boundedElastic())
                        .thenMany(Flux.just(Event.of("{\"delta\":\"second\"}"), Event.of("[DONE]"))));
    }

    @Post(uri = "/v1/messages", consumes = MediaType.APPLICATION_JSON,
            produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM})
    HttpResponse<?> anthropicMessages(HttpRequest<?> request, @Body String body) {
        record(request, body);
        if (body.replace(" ", "").contains("\"stream\":true")) {
            return HttpResponse.ok(Flux.just(
                    Event.of("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_fake\",\"type\":\"message\","
                            + "\"role\":\"assistant\",\"content\":[],\"model\":\"claude-fake\",\"stop_reason\":null,"
                            + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}")
                            .name("message_start"),
                    Event.of("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\","
                            + "\"text\":\"\"}}").name("content_block_start"),
                    Event.of("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
                            + "\"text\":\"pong\"}}").name("content_block_delta"),
                    Event.of("{\"type\":\"content_block_stop\",\"index\":0}").name("content_block_stop"),
                    Event.of("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                            + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":1}}").name("message_delta"),
                    Event.of("{\"type\":\"message_stop\"}").name("message_stop")))
                    .contentType(MediaType.TEXT_EVENT_STREAM_TYPE);
        }
        return HttpResponse.ok("{\"id\":\"msg_fake\",\"type\":\"message\",\"role\":\"assistant\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"pong\"}],\"model\":\"claude-fake\","
                + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":1,"
                + "\"output_tokens\":1}}");
    }

    @Get(uri = "/refuses", produces = MediaType.APPLICATION_JSON)
    HttpResponse<String> refuses(HttpRequest<?> request) {
        record(request, null);
        String key = request.getHeaders().get("Authorization");
        return HttpResponse.<String>status(io.micronaut.http.HttpStatus.UNAUTHORIZED)
                .body("{\"error\":{\"message\":\"Incorrect API key provided: " + key + "\"}}");
    }

    @Post(uri = "/realtime/calls", consumes = {"application/sdp", MediaType.MULTIPART_FORM_DATA},
            produces = "application/sdp")
    @ExecuteOn(TaskExecutors.BLOCKING)
    HttpResponse<String> calls(HttpRequest<?> request, @Body String body) {
        record(request, body);
        return HttpResponse.<String>status(io.micronaut.http.HttpStatus.CREATED).body("v=0\r\no=- answer\r\n")
                .header("Location", "/v1/realtime/calls/rtc_fake123");
    }

    @Post(uris = {"/realtime/client_secrets", "/v1/realtime/client_secrets"}, consumes = MediaType.APPLICATION_JSON,
            produces = MediaType.APPLICATION_JSON)
    String clientSecrets(HttpRequest<?> request, @Body String body, @PathVariable String provider) {
        record(request, body);
        long seconds = Long.parseLong(body.replaceAll(".*\"seconds\":(\\d+).*", "$1"));
        return "{\"value\":\"ek_fake_" + provider + "\",\"expires_at\":"
                + (System.currentTimeMillis() / 1000 + seconds) + ",\"session\":{}}";
    }

    @Post(uri = "/client/sessions", consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    HttpResponse<String> mistralSessions(HttpRequest<?> request, @Body String body) {
        record(request, body);
        String expires = java.time.Instant.now().plusSeconds(60).toString();
        return HttpResponse.<String>status(io.micronaut.http.HttpStatus.CREATED).body("{\"object\":\"client.session\","
                + "\"client_secret\":{\"value\":\"rt_fake_mistral\",\"expires_at\":\"" + expires + "\"},"
                + "\"expires_at\":\"" + expires + "\"}");
    }

    @Post(uri = "/v1alpha/auth_tokens", consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    String geminiAuthTokens(HttpRequest<?> request, @Body String body) {
        record(request, body);
        return "{\"name\":\"auth_tokens/fake_gemini\"}";
    }

    @Get(uri = "/slow", produces = MediaType.APPLICATION_JSON)
    @ExecuteOn(TaskExecutors.BLOCKING)
    String slow(HttpRequest<?> request) throws InterruptedException {
        record(request, null);
        Thread.sleep(Duration.ofSeconds(5));
        return "{}";
    }

    @Get(uri = "/echo/{+rest}", produces = MediaType.APPLICATION_JSON)
    String echo(HttpRequest<?> request, @PathVariable String rest) {
        record(request, null);
        return "{\"path\":\"" + request.getUri().getRawPath() + "\"}";
    }
}
