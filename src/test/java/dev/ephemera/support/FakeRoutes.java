package dev.ephemera.support;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The fake providers' HTTP endpoints, answered like the providers would, in brief. */
final class FakeRoutes {

    private static final String CHAT_CHUNK = "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"},"
            + "\"finish_reason\":null}]}";

    /** A generateContent answer (or stream chunk): text, then prompt, candidates and total token counts. */
    private static final String GEMINI = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"%s\"}],"
            + "\"role\":\"model\"},\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":%d,"
            + "\"candidatesTokenCount\":%d,\"totalTokenCount\":%d}}";

    private FakeRoutes() {
    }

    private static final String CHAT_DONE = "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"pong\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,"
            + "\"total_tokens\":6}}";

    static void answer(ChannelHandlerContext ctx, FullHttpRequest request, FakeRecorder recorder) {
        String uri = request.uri();
        String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
        String[] parts = path.split("/", 4);
        if (parts.length < 4 || !parts[1].equals("fake")) {
            json(ctx, request, HttpResponseStatus.NOT_FOUND, "{\"fake\":\"no such route\"}", Map.of());
            return;
        }
        String provider = parts[2];
        String rest = "/" + parts[3];
        String body = request.content().toString(StandardCharsets.UTF_8);
        boolean post = request.method().equals(HttpMethod.POST);
        boolean streaming = body.replace(" ", "").contains("\"stream\":true");
        if (post && rest.equals("/chat/completions")) {
            if (streaming) {
                // With stream_options.include_usage, OpenAI ends the stream with a chunk that carries only usage;
                // without, the stream reports none.
                List<String> chunks = new java.util.ArrayList<>(List.of(CHAT_CHUNK.formatted("po"),
                        CHAT_CHUNK.formatted("ng")));
                if (body.replace(" ", "").contains("\"include_usage\":true")) {
                    chunks.add("{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}");
                }
                chunks.add("[DONE]");
                sse(ctx, request, chunks, null, null);
                return;
            }
            if (body.contains("\"user\":\"metered\"")) {
                // Billed as a provider bills it, spending all it may: its prompt at one token per 4 bytes, half of
                // it from the cache, and every output token it is allowed, half of them reasoning; held a moment so
                // that requests sent together are outstanding together.
                java.util.regex.Matcher max = java.util.regex.Pattern.compile(
                        "\"max_completion_tokens\"\\s*:\\s*(\\d+)").matcher(body);
                long output = max.find() ? Long.parseLong(max.group(1)) : 4096;
                long prompt = body.length() / 4;
                String usage = "{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + output
                        + ",\"total_tokens\":" + (prompt + output) + ",\"prompt_tokens_details\":{\"cached_tokens\":"
                        + prompt / 2 + "},\"completion_tokens_details\":{\"reasoning_tokens\":" + output / 2 + "}}";
                request.retain();
                ctx.executor().schedule(() -> {
                    try {
                        json(ctx, request, HttpResponseStatus.OK, CHAT_DONE.replaceFirst("\\{\"prompt_tokens\":5,"
                                + "\"completion_tokens\":1,\"total_tokens\":6}", usage), Map.of());
                    } finally {
                        request.release();
                    }
                }, 100, TimeUnit.MILLISECONDS);
                return;
            }
            if (body.contains("\"user\":\"slow\"")) {
                // Held a moment, so that requests sent together are outstanding together.
                request.retain();
                ctx.executor().schedule(() -> {
                    try {
                        json(ctx, request, HttpResponseStatus.OK, CHAT_DONE, Map.of());
                    } finally {
                        request.release();
                    }
                }, 300, TimeUnit.MILLISECONDS);
                return;
            }
            json(ctx, request, HttpResponseStatus.OK, "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion\","
                    + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"pong\"},"
                    + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,"
                    + "\"total_tokens\":6}}", Map.of("X-Request-Id", "req_upstream_1",
                    // As permissive as a provider may be: the broker alone decides CORS for its browsers.
                    "Access-Control-Allow-Origin", "*", "Access-Control-Allow-Credentials", "true",
                    "Access-Control-Allow-Headers", "*", "Vary", "Origin",
                    // A provider (or its gateway) that echoes trace context: it is not the client's to read.
                    "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                    "tracestate", "vendor=x",
                    "traceresponse", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                    "baggage", "user=alice"));
        } else if (post && rest.equals("/embeddings")) {
            json(ctx, request, HttpResponseStatus.OK, "{\"object\":\"list\",\"data\":[]}", Map.of());
        } else if (post && rest.matches("/v1(beta)?/models/[^/]+:generateContent")) {
            json(ctx, request, HttpResponseStatus.OK, GEMINI.formatted("pong", 4, 1, 5), Map.of());
        } else if (post && rest.matches("/v1(beta)?/models/[^/]+:streamGenerateContent")) {
            sse(ctx, request, List.of(GEMINI.formatted("po", 4, 1, 5), GEMINI.formatted("ng", 4, 2, 6)), null, null);
        } else if (post && rest.equals("/stream")) {
            sse(ctx, request, List.of("{\"delta\":\"first\"}"), recorder.streamGate,
                    List.of("{\"delta\":\"second\"}", "[DONE]"));
        } else if (post && rest.equals("/v1/messages")) {
            anthropic(ctx, request, streaming);
        } else if (rest.equals("/refuses")) {
            json(ctx, request, HttpResponseStatus.UNAUTHORIZED, "{\"error\":{\"message\":\"Incorrect API key "
                    + "provided: " + request.headers().get("Authorization") + "\"}}", Map.of());
        } else if (post && rest.equals("/realtime/calls")) {
            FakeCalls.Call call = recorder.calls.create("rtc", body);
            FullHttpResponse r = response(HttpResponseStatus.CREATED, "v=0\r\no=- answer\r\n"
                    + "a=x\r\n".repeat(recorder.calls.answerPadding / 5), "application/sdp");
            if (recorder.calls.twoLocations) {
                r.headers().add("Location", "/v1/realtime/calls/rtc_other");
            }
            if (!recorder.calls.noCallId) {
                r.headers().add("Location", "/v1/realtime/calls/" + call.id);
            }
            send(ctx, request, r);
        } else if (post && rest.equals("/live/sessions")) {
            FakeCalls.Call call = recorder.calls.create("live", body);
            String id = recorder.calls.noCallId ? "" : call.id;
            json(ctx, request, HttpResponseStatus.OK, "{\"session\":{\"id\":\"" + id + "\"},"
                    + "\"transport\":{\"type\":\"webrtc\",\"sdp\":\"v=0\\r\\no=- live answer\\r\\n\"}}", Map.of());
        } else if (post && rest.matches("/(realtime/calls|live/sessions)/[^/]+/hangup")) {
            if (recorder.calls.failHangups.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                json(ctx, request, HttpResponseStatus.INTERNAL_SERVER_ERROR, "{}", Map.of());
                return;
            }
            boolean known = recorder.calls.hangup(rest.split("/")[3]);
            json(ctx, request, known ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND, "{}", Map.of());
        } else if (post && (rest.equals("/realtime/client_secrets") || rest.equals("/v1/realtime/client_secrets"))) {
            long seconds = Long.parseLong(body.replaceAll("(?s).*\"seconds\":(\\d+).*", "$1"));
            json(ctx, request, HttpResponseStatus.OK, "{\"value\":\"ek_fake_" + provider + "\",\"expires_at\":"
                    + (System.currentTimeMillis() / 1000 + seconds) + ",\"session\":{}}", Map.of());
        } else if (post && rest.equals("/client/sessions")) {
            String expires = Instant.now().plusSeconds(60).toString();
            json(ctx, request, HttpResponseStatus.CREATED, "{\"object\":\"client.session\",\"client_secret\":"
                    + "{\"value\":\"rt_fake_mistral\",\"expires_at\":\"" + expires + "\"},\"expires_at\":\""
                    + expires + "\"}", Map.of());
        } else if (post && rest.equals("/v1alpha/auth_tokens")) {
            json(ctx, request, HttpResponseStatus.OK, "{\"name\":\"auth_tokens/fake_gemini\"}", Map.of());
        } else if (rest.equals("/fails")) {
            // A provider having a bad time: 503, as its status pages say.
            json(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"error\":{\"message\":\"overloaded\"}}",
                    Map.of());
        } else if (rest.equals("/slow")) {
            ctx.executor().schedule(() -> json(ctx, request, HttpResponseStatus.OK, "{}", Map.of()), 5,
                    TimeUnit.SECONDS);
        } else if (rest.startsWith("/echo/") || rest.startsWith("/ok/")) {
            json(ctx, request, HttpResponseStatus.OK, "{\"path\":\"" + path + "\"}", Map.of());
        } else {
            json(ctx, request, HttpResponseStatus.NOT_FOUND, "{\"fake\":\"no such route\"}", Map.of());
        }
    }

    /** What a provider answers to a missing or wrong key: 401, quoting nothing. */
    static void unauthorized(ChannelHandlerContext ctx, FullHttpRequest request) {
        json(ctx, request, HttpResponseStatus.UNAUTHORIZED, "{\"error\":{\"message\":\"Incorrect API key provided.\","
                + "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}", Map.of());
    }

    private static void anthropic(ChannelHandlerContext ctx, FullHttpRequest request, boolean streaming) {
        if (!streaming) {
            json(ctx, request, HttpResponseStatus.OK, "{\"id\":\"msg_fake\",\"type\":\"message\",\"role\":"
                    + "\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"pong\"}],\"model\":\"claude-fake\","
                    + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":1,"
                    + "\"output_tokens\":1}}", Map.of());
            return;
        }
        sse(ctx, request, List.of(
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_fake\",\"type\":"
                        + "\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-fake\","
                        + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,"
                        + "\"cache_read_input_tokens\":3,\"output_tokens\":1}}}",
                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                        + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                        + "{\"type\":\"text_delta\",\"text\":\"pong\"}}",
                "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}",
                "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}",
                "event: message_stop\ndata: {\"type\":\"message_stop\"}"), null, null);
    }

    /**
     * Server-sent events: {@code first}, then, once {@code gate} opens (if any), {@code then}. An element that
     * already names its event is sent as it is; any other is one {@code data:} line.
     */
    private static void sse(ChannelHandlerContext ctx, FullHttpRequest request, List<String> first,
            CountDownLatch gate, List<String> then) {
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
        HttpUtil.setTransferEncodingChunked(head, true);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        ctx.write(head);
        first.forEach(e -> ctx.write(event(e)));
        ctx.flush();
        Runnable rest = () -> {
            if (then != null) {
                then.forEach(e -> ctx.write(event(e)));
            }
            var done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (!keepAlive) {
                done.addListener(ChannelFutureListener.CLOSE);
            }
        };
        if (gate == null) {
            rest.run();
        } else {
            Thread.ofVirtual().start(() -> {
                try {
                    gate.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ctx.executor().execute(rest);
            });
        }
    }

    private static DefaultHttpContent event(String e) {
        String text = e.startsWith("event: ") ? e + "\n\n" : "data: " + e + "\n\n";
        return new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    private static void json(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
            String body, Map<String, String> headers) {
        FullHttpResponse r = response(status, body, "application/json");
        headers.forEach((k, v) -> r.headers().set(k, v));
        send(ctx, request, r);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String body, String type) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        return r;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        if (HttpUtil.isKeepAlive(request)) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
