package dev.ephemera.relay.event;

import dev.ephemera.json.StrictJson;
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
 * holds, under any spelling of it ({@link RealtimeProtocol#spellings}), a value other than the token's. A field the
 * token locks without a value keeps the value the session started with, as the provider's first report of it shows
 * ({@code session.created}: the sideband of a controlled call is attached before the browser has its answer), or
 * stays absent where that report does not name it; a report before the session's first one cannot be judged, and a
 * field locked without a value in it is a change. The broker's own limit on a response's
 * output ({@code max_output_tokens}, set with the call's session config) is a lock too: a session whose limit is
 * higher, or {@code "inf"}, was raised by the client. When the broker lowers it, the lower limit is enforced once a
 * report shows it (a report already on its way shows the one before). Values are compared decoded
 * ({@link StrictJson#same}). One per call, on its event loop.
 */
public final class CallLocks {

    /** The session's output limit under both of its names. */
    private static final List<String> OUTPUT_LIMIT = List.of("max_output_tokens", "max_response_output_tokens");

    private final RealtimeProtocol protocol;
    /** A lock without a value before the session's first report: what it must keep is not known yet. */
    private static final Object UNKNOWN = new Object();
    /** A lock without a value whose field the session's first report did not name: it must stay absent. */
    private static final Object ABSENT = new Object();

    /** Locked field -> the value it must keep, {@link #UNKNOWN} or {@link #ABSENT}. */
    private final Map<String, Object> expected = new LinkedHashMap<>();
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
            Object value = valueOf(session, field);
            expected.put(field, value == null ? UNKNOWN : value);
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
     * The first locked field that {@code session} (the provider's report; {@code initial}: the one the session
     * started with) shows changed, or empty.
     */
    public Optional<String> changed(Map<?, ?> session, boolean initial) {
        for (Map.Entry<String, Object> lock : expected.entrySet()) {
            Object now = valueOf(session, lock.getKey());
            if (lock.getValue() == UNKNOWN) {
                if (initial) {
                    lock.setValue(now == null ? ABSENT : now);
                } else if (now != null) {
                    return Optional.of(lock.getKey());
                }
                continue;
            }
            if (lock.getValue() == ABSENT ? now != null : now != null && !StrictJson.same(lock.getValue(), now)) {
                return Optional.of(lock.getKey());
            }
            for (String spelling : protocol.spellings(lock.getKey())) {
                Object other = ClientEventFilter.at(session, spelling);
                if (other != null && now != null && !StrictJson.same(other, now)) {
                    return Optional.of(lock.getKey());
                }
            }
        }
        if (outputLimit != null) {
            for (String name : OUTPUT_LIMIT) {
                Object now = ClientEventFilter.at(session, name);
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

    /**
     * With instructions locked, a message of another role than {@code user} or {@code assistant} in the conversation
     * acts as instructions (SPEC §7): {@code instructions}, else empty.
     */
    public Optional<String> item(Object role) {
        return expected.containsKey("instructions") && !"user".equals(role) && !"assistant".equals(role)
                ? Optional.of("instructions") : Optional.empty();
    }

    /**
     * With instructions locked, a response that runs with instructions of its own ({@code instructions}, as the
     * provider reports them; null: not reported) other than the locked ones: {@code instructions}, else empty.
     */
    public Optional<String> response(@Nullable Object instructions) {
        Object locked = expected.get("instructions");
        if (locked == null || instructions == null) {
            return Optional.empty();
        }
        boolean same = locked == ABSENT || locked == UNKNOWN ? "".equals(instructions)
                : StrictJson.same(locked, instructions);
        return same ? Optional.empty() : Optional.of("instructions");
    }

    /** The value of {@code field} under its first spelling that {@code session} names; null when none does. */
    @Nullable
    private Object valueOf(@Nullable Object session, String field) {
        for (String spelling : protocol.spellings(field)) {
            Object value = ClientEventFilter.at(session, spelling);
            if (value != null) {
                return value;
            }
        }
        return null;
    }
}
