package dev.ephemera.store.redis;

import dev.ephemera.session.LiveSession;
import dev.ephemera.session.Receipt;
import dev.ephemera.session.SessionStore;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.session.Usage;
import io.micronaut.core.annotation.Nullable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Live sessions and receipts as the fields of their Redis hashes ({@link RedisSessionStore}), and back. */
final class SessionFields {

    /** A receipt's counts of what relayed requests outstanding have reserved (usage-reserve.lua). */
    static final String RESERVED_TOKENS = "reserved_tokens";
    static final String RESERVED_RESPONSES = "reserved_responses";

    private SessionFields() {
    }

    static Map<String, String> of(LiveSession s) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("token_id", s.tokenId());
        m.put("key_id", s.keyId());
        m.put("provider", s.provider());
        putIfPresent(m, "model", s.model());
        putIfPresent(m, "subject", s.subject());
        putIfPresent(m, "origin", s.origin());
        m.put("opened_at", Long.toString(s.openedAt()));
        return m;
    }

    static LiveSession from(Map<String, String> m) {
        return new LiveSession(m.get("id"), m.get("token_id"), m.get("key_id"), m.get("provider"), m.get("model"),
                m.get("subject"), m.get("origin"), number(m.get("opened_at")), Usage.of(m));
    }

    /** What a receipt keeps of the token, written once. */
    static Map<String, String> facts(TokenFacts t) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("key_id", t.keyId());
        m.put("provider", t.provider());
        putIfPresent(m, "model", t.model());
        putIfPresent(m, "subject", t.subject());
        putIfPresent(m, "origin", t.origin());
        m.put("format", t.format());
        m.put("max_uses", Integer.toString(t.maxUses()));
        m.put("issued_at", Long.toString(t.issuedAt().getEpochSecond()));
        m.put("expires_at", Long.toString(t.expiresAt().getEpochSecond()));
        return m;
    }

    /** The receipt as the store knows it: revoked once it was, else expired once past its expiry, else active. */
    static Receipt receipt(String tokenId, Map<String, String> m, List<Receipt.SessionSummary> sessions, long now) {
        long expiresAt = number(m.get("expires_at"));
        String revokedAt = m.get("revoked_at");
        String usesLeft = m.get("uses_left");
        int maxUses = (int) number(m.get("max_uses"));
        String state = revokedAt != null ? "revoked" : now >= expiresAt ? "expired"
                : usesLeft != null && number(usesLeft) == 0 ? "used_up" : "active";
        return new Receipt(tokenId, state, m.get("key_id"), m.get("provider"), m.get("model"), m.get("subject"),
                m.get("origin"), m.get("format"), number(m.get("issued_at")), expiresAt, maxUses,
                usesLeft == null ? null : maxUses - (int) number(usesLeft),
                revokedAt == null ? null : number(revokedAt), sessions, Usage.of(m));
    }

    private static long number(String value) {
        if (value == null) {
            return 0;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void putIfPresent(Map<String, String> m, String field, String value) {
        if (value != null) {
            m.put(field, value);
        }
    }

    /** The arguments of usage-add.lua for {@code usage}: the mode, the retention, the count names and deltas. */
    static String[] addArgs(String mode, Duration keep, Usage usage) {
        return addArgs(mode, keep, usage, null);
    }

    /** {@link #addArgs(String, Duration, Usage)} with deltas of the reserved counts (tokens, responses), if any. */
    static String[] addArgs(String mode, Duration keep, Usage usage, long @Nullable [] reserved) {
        int n = Usage.FIELDS.length + (reserved == null ? 0 : 2);
        String[] args = new String[3 + n * 2];
        args[0] = mode;
        args[1] = Long.toString(keep.toMillis());
        args[2] = Integer.toString(n);
        long[] counts = usage.counts();
        for (int i = 0; i < Usage.FIELDS.length; i++) {
            args[3 + i] = Usage.FIELDS[i];
            args[3 + n + i] = Long.toString(counts[i]);
        }
        if (reserved != null) {
            args[3 + Usage.FIELDS.length] = RESERVED_TOKENS;
            args[3 + Usage.FIELDS.length + 1] = RESERVED_RESPONSES;
            args[3 + n + Usage.FIELDS.length] = Long.toString(reserved[0]);
            args[3 + n + Usage.FIELDS.length + 1] = Long.toString(reserved[1]);
        }
        return args;
    }

    /** The counts usage-add.lua answered, by name. */
    static Usage counts(List<Object> values) {
        Map<String, String> named = new LinkedHashMap<>();
        for (int i = 0; i < Usage.FIELDS.length && i < values.size(); i++) {
            String value = TokenFields.text(values.get(i));
            if (value != null) {
                named.put(Usage.FIELDS[i], value);
            }
        }
        return Usage.of(named);
    }

    /** The arguments of {@code note.lua}: the fields written once, then those written every time. */
    static String[] noteArgs(Map<String, String> once, Map<String, String> always) {
        List<String> args = new ArrayList<>();
        args.add(Long.toString(SessionStore.RECEIPT_RETENTION.toMillis()));
        args.add(Integer.toString(once.size()));
        once.forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        always.forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        return args.toArray(String[]::new);
    }
}
