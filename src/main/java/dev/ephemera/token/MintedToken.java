package dev.ephemera.token;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.util.List;

/** The answer to a mint (SPEC §4). {@code value} is the secret and appears in this response only. */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MintedToken(
        String id,
        String value,
        String tokenType,
        String format,
        long expiresAt,
        long expiresIn,
        String provider,
        @Nullable String model,
        int maxUses,
        @Nullable String subject,
        @Nullable String origin,
        String mode,
        @Nullable JsonNode session,
        List<String> lockedFields,
        Connect connect,
        @Nullable UsageLimits limits) {

    /** Where the holder of the token connects. */
    @Serdeable
    public record Connect(String websocket, String webrtc, String http) {
    }
}
