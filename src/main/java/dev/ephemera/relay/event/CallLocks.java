package dev.ephemera.relay.event;

import io.micronaut.core.annotation.Nullable;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A watched call's locked fields, judged on the session the provider reports through its sideband
 * ({@code session.created}, {@code session.updated}): on WebRTC the client's events go to the provider directly, so
 * the broker cannot refuse them and can only see what they did. A locked field is changed when the provider's session
 * holds, under any spelling of it ({@link RealtimeProtocol#spellings}), a value other than the token's; a field the
 * token locks without a value may keep the first value the provider reports. The broker's own limit on a response's
 * output ({@code max_output_tokens}, set with the call's session config) is a lock too: a session whose limit is
 * higher, or {@code "inf"}, was raised by the client. When the broker lowers it, the lower limit is enforced once a
 * report shows it (a report already on its way shows the one before). Values are compared decoded
 * ({@link StrictJson#same}). One per call, on its event loop.
 */
public final class CallLocks {

    /** The session's output limit under both of its names. */
    private static final List<String> OUTPUT_LIMIT = List.of("max_output_tokens", "max_response_output_tokens");

    private final RealtimeProtocol protocol;
    /** Locked field -> the value it must keep; absent until known (a lock without a value, before any report). */
    private final Map<String, Optional<Object>> expected = new LinkedHashMap<>();
    /** The output limit a report may not exceed: the broker's, as last confirmed; null while it set none. */
    private Long outputLimit;
    /** A lower limit the broker sent that no report has shown yet; null when none. */
    private Long lowered;

    /**
     * @param session the token's session config as {@link StrictJson} parsed it, or null
     * @param lockedFields dotted paths into the session config
     */
    public CallLocks(RealtimeProtocol protocol, @Nullable Object session, List<String> lockedFields) {
        this.protocol = protocol;
        for (String field : lockedFields) {
            Optional<Object> value = Optional.empty();
            for (String spelling : protocol.spellings(field)) {
                value = value.isPresent() ? value : Optional.ofNullable(ClientEventFilter.at(session, spelling));
            }
            expected.put(field, value);
        }
    }

    /** Whether anything is locked: a call without locks needs no session reports. */
    public boolean any() {
        return !expected.isEmpty() || outputLimit != null;
    }

    /**
     * The broker set the session's output limit to {@code limit}: at the start (in the session config the call was
     * created with) it holds at once; later it holds once a report shows it.
     */
    public void outputLimit(long limit) {
        if (outputLimit == null) {
            outputLimit = limit;
        } else if (limit < outputLimit) {
            lowered = limit;
        }
    }

    /**
     * The first locked field that {@code session} (the provider's report) shows changed, or empty. A field the token
     * locks without a value takes its first reported value as the one to keep.
     */
    public Optional<String> changed(Map<?, ?> session) {
        for (Map.Entry<String, Optional<Object>> lock : expected.entrySet()) {
            for (String spelling : protocol.spellings(lock.getKey())) {
                Object now = present(session, spelling);
                if (now == null) {
                    continue;
                }
                if (lock.getValue().isEmpty()) {
                    lock.setValue(Optional.of(now));
                } else if (!StrictJson.same(lock.getValue().get(), now)) {
                    return Optional.of(lock.getKey());
                }
            }
        }
        if (outputLimit != null) {
            for (String name : OUTPUT_LIMIT) {
                Object now = present(session, name);
                if (now == null) {
                    continue;
                }
                if (!(now instanceof BigDecimal limit) || limit.compareTo(BigDecimal.valueOf(outputLimit)) > 0) {
                    return Optional.of("max_output_tokens");
                }
                if (lowered != null && limit.compareTo(BigDecimal.valueOf(lowered)) <= 0) {
                    outputLimit = lowered;
                    lowered = null;
                }
            }
        }
        return Optional.empty();
    }

    /** The value at {@code path}, a JSON null as {@link StrictJson#NULL}; null when the path is absent. */
    @Nullable
    private static Object present(Map<?, ?> session, String path) {
        return ClientEventFilter.at(session, path);
    }
}
