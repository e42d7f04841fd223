package dev.ephemera.relay;

import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.relay.event.ClientEventFilter;
import dev.ephemera.relay.event.RealtimeProtocol;
import dev.ephemera.relay.event.StrictJson;
import dev.ephemera.token.Introspection;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.websocket.CloseReason;
import io.micronaut.websocket.WebSocketSession;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One relayed realtime session: the client's WebSocket (Micronaut) and the provider's (the JDK client). Frames
 * to the provider go through one chain of futures, so they leave in the order they arrived and never overlap;
 * frames from the provider are requested one at a time and forwarded before the next is requested.
 */
final class RelaySession implements WebSocket.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(RelaySession.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    private final WebSocketSession client;
    private final Introspection token;
    private final JsonMapper json;
    private final ClientEventFilter filter;
    private final Channel clientChannel;
    private final int frameLimit;
    private final Duration stallTimeout;
    private final UpstreamBacklog backlog;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
    private final ClientMessages messages;
    private CompletableFuture<WebSocket> toUpstream;
    private volatile WebSocket upstream;
    private volatile ScheduledFuture<?> timer;
    private volatile Runnable onEnd = () -> { };

    RelaySession(WebSocketSession client, Channel clientChannel, Introspection token, JsonMapper json,
            RelayConfiguration config) {
        this.client = client;
        this.token = token;
        this.json = json;
        this.filter = filterFor(token, json);
        this.clientChannel = clientChannel;
        this.frameLimit = config.frameLimit();
        this.stallTimeout = config.upstreamTimeout();
        this.messages = new ClientMessages(frameLimit, new ClientMessages.Sink() {
            @Override
            public void message(byte[] bytes, boolean binary) {
                fromClient(bytes, binary);
            }

            @Override
            public void fail(int closeCode, String reason) {
                closeBoth(closeCode, reason);
            }
        });
        this.backlog = new UpstreamBacklog(clientChannel, config.bufferLimit(), config.upstreamTimeout(),
                () -> closeBoth(1011, "the provider stopped reading"));
    }

    /** Opens the provider's WebSocket; the token's session config is its first message. */
    void connect(HttpClient http, URI uri, Map<String, String> headers, Duration timeout,
            @Nullable String clientRequestId) {
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(timeout);
        headers.forEach(builder::header);
        if (clientRequestId != null) {
            builder.header("X-Client-Request-Id", clientRequestId);
        }
        // connectTimeout covers the TCP connect only; the handshake must also answer in time.
        CompletableFuture<WebSocket> opened = builder.buildAsync(uri, this)
                .orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        opened.whenComplete((ws, e) -> {
            if (e != null) {
                REPEATED.warn("Realtime upstream {} unreachable: {}", uri.getHost(),
                        rootCause(e).getClass().getSimpleName());
                closeBoth(1011, "upstream unavailable");
            }
        });
        String lockedConfig = sessionUpdate();
        synchronized (this) {
            toUpstream = lockedConfig == null ? opened
                    : opened.thenCompose(ws -> ws.sendText(lockedConfig, true));
        }
    }

    void setTimer(ScheduledFuture<?> timer) {
        this.timer = timer;
    }

    /** Runs once when the session ends, however it ends. */
    void onEnd(Runnable onEnd) {
        this.onEnd = onEnd;
    }

    @Nullable
    private String sessionUpdate() {
        if (token.session() == null) {
            return null;
        }
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", "session.update");
        event.put("session", token.session());
        try {
            return json.writeValueAsString(event);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the session config", e);
        }
    }

    /** One client frame as it came (on the connection's event loop); whole messages go on to be judged. */
    void fromClientFrame(WebSocketFrame frame) {
        messages.accept(frame);
    }

    /**
     * A whole client message, text or binary: judged by the session's {@link ClientEventFilter}, then sent on as
     * it came, or answered with an error event and dropped.
     */
    private void fromClient(byte[] frame, boolean binary) {
        ClientEventFilter.Verdict verdict = filter.judge(frame);
        if (verdict instanceof ClientEventFilter.Refuse refused) {
            client.sendAsync(new TextWebSocketFrame(errorEvent(refused)));
            return;
        }
        int size = frame.length;
        if (binary) {
            enqueue(size, ws -> ws.sendBinary(ByteBuffer.wrap(frame), true));
        } else {
            String text = new String(frame, StandardCharsets.UTF_8);
            enqueue(size, ws -> ws.sendText(text, true));
        }
    }

    private synchronized void enqueue(int size, Function<WebSocket, CompletableFuture<WebSocket>> send) {
        if (closed.get()) {
            return;
        }
        backlog.queued(size);
        toUpstream = toUpstream.thenCompose(send).whenComplete((ws, e) -> backlog.sent(size));
        toUpstream.exceptionally(e -> {
            closeBoth(1011, "upstream failed");
            return null;
        });
    }

    /** The error event of OpenAI's realtime protocol, naming at most a field, never a value the client sent. */
    private String errorEvent(ClientEventFilter.Refuse refused) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", "invalid_request_error");
        error.put("code", refused.code());
        error.put("message", refused.message());
        if (refused.param() != null) {
            error.put("param", refused.param());
        }
        if (refused.eventId() != null) {
            error.put("event_id", refused.eventId());
        }
        try {
            return json.writeValueAsString(Map.of("type", "error", "error", error));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ClientEventFilter filterFor(Introspection token, JsonMapper json) {
        Object session = null;
        if (token.session() != null) {
            try {
                session = StrictJson.parse(json.writeValueAsBytes(token.session())).orElseThrow();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the token's session config", e);
            }
        }
        List<String> locked = token.lockedFields() == null ? List.of() : token.lockedFields();
        return new ClientEventFilter(RealtimeProtocol.of(token.provider()), session, locked);
    }

    // Provider -> client.

    @Override
    public void onOpen(WebSocket webSocket) {
        this.upstream = webSocket;
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        if (text.length() + data.length() > frameLimit) {
            closeBoth(1009, "provider message larger than " + frameLimit + " bytes");
            return null;
        }
        text.append(data);
        if (!last) {
            webSocket.request(1);
            return null;
        }
        String message = text.toString();
        text.setLength(0);
        toClient(webSocket, client.sendAsync(new TextWebSocketFrame(message)));
        return null;
    }

    /**
     * The next provider message is requested once this one has reached the client, so at most one waits here; a
     * client that takes nothing for the stall timeout ends the session.
     */
    private void toClient(WebSocket webSocket, CompletableFuture<?> sent) {
        sent.orTimeout(stallTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).whenComplete((m, e) -> {
            if (e == null) {
                webSocket.request(1);
            } else if (rootCause(e) instanceof java.util.concurrent.TimeoutException) {
                closeBoth(1011, "the client stopped reading");
            }
        });
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        if (binary.size() + data.remaining() > frameLimit) {
            closeBoth(1009, "provider message larger than " + frameLimit + " bytes");
            return null;
        }
        byte[] chunk = new byte[data.remaining()];
        data.get(chunk);
        binary.writeBytes(chunk);
        if (!last) {
            webSocket.request(1);
            return null;
        }
        byte[] message = binary.toByteArray();
        binary.reset();
        toClient(webSocket, client.sendAsync(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message))));
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeBoth(sendable(statusCode), reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        REPEATED.warn("Realtime upstream failed: {}", error.getClass().getSimpleName());
        closeBoth(1011, "upstream failed");
    }

    // Endings.

    /** The client went away: tell the provider, with the client's code. */
    void clientClosed(CloseReason reason) {
        if (closed.compareAndSet(false, true)) {
            // The client began the close: answer it with its own code (RFC 6455 §5.5.1). Micronaut closes the
            // connection after @OnClose without a close frame, which the client would see as 1006. On the event
            // loop, so the frame leaves before that close.
            int code = reason.getCode() == 1005 ? 1000 : sendable(reason.getCode());
            clientChannel.writeAndFlush(new CloseWebSocketFrame(code, reason.getReason() == null ? ""
                    : reason.getReason()));
            cancelTimer();
            WebSocket ws = upstream;
            if (ws != null) {
                ws.sendClose(sendable(reason.getCode()), reason.getReason() == null ? "" : reason.getReason())
                        .orTimeout(5, java.util.concurrent.TimeUnit.SECONDS)
                        .whenComplete((w, e) -> ws.abort());
            } else {
                toUpstream.thenAccept(WebSocket::abort);
            }
        }
    }

    /** The broker is shutting down: the client is told (1001) and should reconnect elsewhere. */
    void goingAway() {
        closeBoth(1001, "the broker is shutting down; reconnect");
    }

    /** The session reached its maximum duration. */
    void expire() {
        closeBoth(1008, "maximum session duration reached");
    }

    private void closeBoth(int code, String reason) {
        if (closed.compareAndSet(false, true)) {
            cancelTimer();
            client.close(new CloseReason(code, reason));
            WebSocket ws = upstream;
            if (ws != null && !ws.isOutputClosed()) {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "").whenComplete((w, e) -> ws.abort());
            }
        }
    }

    private void cancelTimer() {
        backlog.close();
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
        onEnd.run();
    }

    /** Close codes 1005, 1006 and 1015 may not be sent on the wire; others pass through. */
    private static int sendable(int code) {
        return code < 1000 || code == 1005 || code == 1006 || code == 1015 || code > 4999 ? 1011 : code;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
