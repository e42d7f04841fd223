package dev.ephemera.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import dev.ephemera.support.AuditLines;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.ObjectMapper;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

class AuditLogTest {

    private final AuditLog audit = new AuditLog(Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC));
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger("ephemera.audit");

    @BeforeEach
    void attach() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(lines);
    }

    private JsonNode onlyLine() throws IOException {
        assertThat(lines.list).hasSize(1);
        String line = AuditLines.of(lines.list.get(0));
        assertThat(line).doesNotContain("\n").doesNotContain("\r");
        return ObjectMapper.getDefault().readValue(line, JsonNode.class);
    }

    @Test
    void writesOneJsonObjectWithTimeEventActorAndFieldsInOrder() throws IOException {
        audit.record("token.minted", "key_abc", "token_id", "tok_1", "max_uses", 3, "subject", null,
                "permissions", List.of("read", "write"));
        JsonNode line = onlyLine();
        assertThat(line.get("ts").getStringValue()).isEqualTo("2026-11-22T10:00:00Z");
        assertThat(line.get("event").getStringValue()).isEqualTo("token.minted");
        assertThat(line.get("actor").getStringValue()).isEqualTo("key_abc");
        assertThat(line.get("max_uses").getIntValue()).isEqualTo(3);
        assertThat(line.get("subject")).as("null fields are left out").isNull();
        assertThat(line.get("permissions").get(1).getStringValue()).isEqualTo("write");
        assertThat(AuditLines.of(lines.list.get(0)))
                .startsWith("{\"ts\":\"2026-11-22T10:00:00Z\",\"event\":\"token.minted\",\"actor\":\"key_abc\","
                        + "\"token_id\":\"tok_1\"");
    }

    /** Values a caller chooses (model, origin, subject) cannot break the line or forge a field. */
    @ParameterizedTest
    @ValueSource(strings = {"a\"b", "back\\slash", "new\nline", "cr\rlf", "tab\t", "nul\u0000", "bell\u0007",
        "sep\u2028arator", "\", \"event\": \"forged", "ünïcödé ✓ 🎧", ""})
    void escapesWhateverAValueHolds(String value) throws IOException {
        audit.record("token.minted", "key_abc", "model", value);
        JsonNode line = onlyLine();
        assertThat(line.get("model").getStringValue()).isEqualTo(value);
        assertThat(line.get("event").getStringValue()).isEqualTo("token.minted");
    }
}
