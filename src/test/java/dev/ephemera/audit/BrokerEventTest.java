package dev.ephemera.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ephemera.audit.BrokerEvent.TokenRevoked;
import dev.ephemera.support.AuditLines;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/** Every broker event has one documented name, and its line is the one its string form wrote. */
class BrokerEventTest {

    private final AuditLog audit = new AuditLog(Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC));

    /** The audit lines {@code writing} writes, as the audit appender encodes them. */
    private static List<String> linesOf(Runnable writing) {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger("ephemera.audit");
        appender.start();
        logger.addAppender(appender);
        try {
            writing.run();
        } finally {
            logger.detachAppender(appender);
        }
        return appender.list.stream().map(AuditLines::of).toList();
    }

    @Test
    void everyEventTypeHasOneNameTheReadmeDocuments() throws Exception {
        String readme = Files.readString(Path.of("README.md")).replace('\n', ' ');
        Matcher audit = Pattern.compile(
                "Audit events are .*?`audit/BrokerEvent`, which the webhooks read too: (.*?)\\. ").matcher(readme);
        assertThat(audit.find()).as("README names the audit events").isTrue();
        List<String> documented = names(audit.group(1));
        List<String> named = new ArrayList<>();
        for (Class<?> type : BrokerEvent.class.getPermittedSubclasses()) {
            named.add(anyOf(type).name());
        }
        assertThat(named).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(documented);
        Matcher hooks = Pattern.compile("Events: (.*?), each `\\{type, timestamp, data}`").matcher(readme);
        assertThat(hooks.find()).as("README names the webhook events").isTrue();
        List<String> webhooks = names(hooks.group(1));
        assertThat(webhooks).hasSize(9);
        // session.limit_reached is a session.closed for the usage limit; every other is an event's own name.
        assertThat(named).containsAll(webhooks.stream().filter(w -> !w.equals("session.limit_reached")).toList());
    }

    private static List<String> names(String text) {
        return Pattern.compile("`([a-z_]+\\.[a-z_]+)`").matcher(text).results().map(m -> m.group(1)).toList();
    }

    /** An instance of the record {@code type}, every component at its default. */
    private static BrokerEvent anyOf(Class<?> type) throws Exception {
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] kinds = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
        Object[] values = Arrays.stream(kinds).map(k -> k == int.class ? (Object) 0 : k == long.class ? (Object) 0L
                : k == TokenRevoked.By.class ? TokenRevoked.By.ID : null).toArray();
        return (BrokerEvent) type.getDeclaredConstructor(kinds).newInstance(values);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("asStrings")
    void aTypedEventWritesTheLineItsStringFormWrote(String name, BrokerEvent typed, Object[] pairs) {
        List<String> written = linesOf(() -> {
            audit.record(name, typed.actor(), pairs);
            audit.record(typed);
        });
        assertThat(written).hasSize(2);
        assertThat(typed.name()).isEqualTo(name);
        assertThat(written.get(1)).isEqualTo(written.get(0));
    }

    /** Each event as its call site wrote it before it had a type (TokenMinter, TokenRevoker, LiveSessions…). */
    static Stream<Arguments> asStrings() {
        return Stream.of(
                Arguments.of("token.minted", new BrokerEvent.TokenMinted("key_a", "tok_1", "key_a", "openai", "gpt",
                        "jwt", 2, null, 1700000000L, "user-1", "https://app.example", "10.0.0.1"),
                        new Object[] {"token_id", "tok_1", "key_id", "key_a", "provider", "openai", "model", "gpt",
                            "format", "jwt", "max_uses", 2, "expires_at", 1700000000L, "subject", "user-1",
                            "origin", "https://app.example", "client_ip", "10.0.0.1"}),
                Arguments.of("token.minted", new BrokerEvent.TokenMinted("key_a", "tok_1", "key_a", "openai", null,
                        null, null, "upstream", 1700000000L, null, null, null),
                        new Object[] {"token_id", "tok_1", "key_id", "key_a", "provider", "openai", "model", null,
                            "mode", "upstream", "expires_at", 1700000000L, "subject", null, "client_ip", null}),
                Arguments.of("token.redeemed", new BrokerEvent.TokenRedeemed("relay.ws", "tok_1", "key_a", 0, "openai",
                        "gpt", "10.0.0.1"), new Object[] {"token_id", "tok_1", "key_id", "key_a", "uses_left", 0,
                            "provider", "openai", "model", "gpt", "client_ip", "10.0.0.1"}),
                Arguments.of("token.rejected", new BrokerEvent.TokenRejected("relay.ws", null, "mismatch", "usage",
                        null), new Object[] {"token_id", null, "reason", "mismatch", "mismatch", "usage",
                            "client_ip", null}),
                Arguments.of("token.revoked", new TokenRevoked("key_a", "tok_1", "key_a", TokenRevoked.By.VALUE),
                        new Object[] {"token_id", "tok_1", "key_id", "key_a", "by", "value"}),
                Arguments.of("token.revoked", new TokenRevoked("key_b", "tok_1", "key_a", TokenRevoked.By.CASCADE),
                        new Object[] {"token_id", "tok_1", "by", "cascade", "key_id", "key_a"}),
                Arguments.of("session.opened", new BrokerEvent.SessionOpened("key_a", "ses_1", "tok_1", "key_a",
                        "openai", null), new Object[] {"session_id", "ses_1", "token_id", "tok_1", "key_id",
                            "key_a", "provider", "openai", "model", null}),
                Arguments.of("session.closed", new BrokerEvent.SessionClosed("key_a", "ses_1", "tok_1", "key_a",
                        "openai", "usage_limit_reached", List.of(1L, 2L)), new Object[] {"session_id", "ses_1",
                            "token_id", "tok_1", "key_id", "key_a", "provider", "openai",
                            "reason", "usage_limit_reached", "usage", List.of(1L, 2L)}),
                Arguments.of("session.ended", new BrokerEvent.SessionEnded("key_a", "ses_1", "tok_1",
                        "ended_by_backend"), new Object[] {"session_id", "ses_1", "token_id", "tok_1",
                            "reason", "ended_by_backend"}),
                Arguments.of("key.created", new BrokerEvent.KeyCreated("key_boot", "key_a", List.of("read", "write")),
                        new Object[] {"key_id", "key_a", "permissions", List.of("read", "write")}),
                Arguments.of("key.rotated", new BrokerEvent.KeyRotated("key_boot", "key_a", 3600L),
                        new Object[] {"key_id", "key_a", "grace_seconds", 3600L}),
                Arguments.of("key.revoked", new BrokerEvent.KeyRevoked("key_boot", "key_a"),
                        new Object[] {"key_id", "key_a"}),
                Arguments.of("webhook.created", new BrokerEvent.WebhookCreated("key_a", "wh_1",
                        List.of("token.minted")),
                        new Object[] {"webhook_id", "wh_1", "events", List.of("token.minted")}),
                Arguments.of("webhook.deleted", new BrokerEvent.WebhookDeleted("key_a", "wh_1"),
                        new Object[] {"webhook_id", "wh_1"}),
                Arguments.of("webhook.rotated", new BrokerEvent.WebhookRotated("key_a", "wh_1"),
                        new Object[] {"webhook_id", "wh_1"}));
    }

    @Test
    void theListenersReadTheTypedEvent() {
        List<BrokerEvent> told = new ArrayList<>();
        AuditLog heard = new AuditLog(Clock.systemUTC(), List.of(new AuditListener() {
            @Override
            public boolean wants(BrokerEvent event) {
                return event instanceof BrokerEvent.KeyRevoked;
            }

            @Override
            public void recorded(BrokerEvent event) {
                told.add(event);
            }
        }));
        List<String> written = linesOf(() -> {
            heard.record(new BrokerEvent.KeyRotated("key_boot", "key_a", 1L));
            heard.record(new BrokerEvent.KeyRevoked("key_boot", "key_a"));
        });
        assertThat(told).containsExactly(new BrokerEvent.KeyRevoked("key_boot", "key_a"));
        assertThat(written).hasSize(2);
    }
}
