package dev.ephemera.store.redis;

import dev.ephemera.token.TokenFormat;
import dev.ephemera.token.TokenMode;
import dev.ephemera.token.TokenRecord;
import dev.ephemera.token.UsageLimits;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A {@link TokenRecord} as the fields of a Redis hash, and back. Field names are short and shared with Lua. */
final class TokenFields {

    private TokenFields() {
    }

    static Map<String, String> of(TokenRecord r) {
        Map<String, String> m = new HashMap<>();
        m.put("id", r.id());
        m.put("hash", r.secretHash());
        m.put("fmt", r.format().wireName());
        m.put("mode", r.mode().wireName());
        m.put("prov", r.provider());
        putIfPresent(m, "model", r.model());
        putIfPresent(m, "sub", r.subject());
        putIfPresent(m, "origin", r.origin());
        m.put("max", Integer.toString(r.maxUses()));
        m.put("left", Integer.toString(r.usesLeft()));
        m.put("iat", Long.toString(r.issuedAt().toEpochMilli()));
        m.put("exp", Long.toString(r.expiresAt().toEpochMilli()));
        putIfPresent(m, "session", r.sessionJson());
        m.put("locked", String.join(",", r.lockedFields()));
        m.put("key", r.keyId());
        if (!r.endpoints().isEmpty()) {
            m.put("endp", String.join("\n", r.endpoints()));
        }
        if (r.maxSessionSeconds() != null) {
            m.put("maxsess", Integer.toString(r.maxSessionSeconds()));
        }
        UsageLimits limits = r.limits();
        putIfPresent(m, "lim_tok", limits.maxTotalTokens() == null ? null : limits.maxTotalTokens().toString());
        putIfPresent(m, "lim_sec", limits.maxSessionSeconds() == null ? null : limits.maxSessionSeconds().toString());
        putIfPresent(m, "lim_resp", limits.maxResponses() == null ? null : limits.maxResponses().toString());
        putIfPresent(m, "lim_cost", digits(limits.maxCostMicros()));
        putIfPresent(m, "lim_kday", digits(limits.keyMicrosPerDay()));
        putIfPresent(m, "lim_kmon", digits(limits.keyMicrosPerMonth()));
        putIfPresent(m, "lim_sday", digits(limits.subjectMicrosPerDay()));
        putIfPresent(m, "tp", r.traceParent());
        return m;
    }

    static TokenRecord from(Map<String, String> m) {
        String locked = m.getOrDefault("locked", "");
        return new TokenRecord(
                m.get("id"),
                m.get("hash"),
                TokenFormat.fromWire(m.get("fmt")),
                TokenMode.fromWire(m.get("mode")),
                m.get("prov"),
                m.get("model"),
                m.get("sub"),
                m.get("origin"),
                Integer.parseInt(m.get("max")),
                Integer.parseInt(m.get("left")),
                Instant.ofEpochMilli(Long.parseLong(m.get("iat"))),
                Instant.ofEpochMilli(Long.parseLong(m.get("exp"))),
                m.get("session"),
                locked.isEmpty() ? List.of() : Arrays.asList(locked.split(",")),
                m.get("key"),
                m.get("maxsess") == null ? null : Integer.valueOf(m.get("maxsess")),
                m.get("endp") == null ? List.of() : Arrays.asList(m.get("endp").split("\n")),
                new UsageLimits(number(m.get("lim_tok")), number(m.get("lim_sec")), number(m.get("lim_resp")),
                        number(m.get("lim_cost")), number(m.get("lim_kday")), number(m.get("lim_kmon")),
                        number(m.get("lim_sday"))),
                m.get("tp"));
    }

    private static String digits(Long value) {
        return value == null ? null : value.toString();
    }

    private static Long number(String value) {
        return value == null ? null : Long.valueOf(value);
    }

    /** Reads the flat {@code field, value, …} list that {@code HGETALL} inside a script returns. */
    static Map<String, String> fromFlat(List<Object> flat, int from) {
        Map<String, String> m = new HashMap<>();
        for (int i = from; i + 1 < flat.size(); i += 2) {
            m.put(text(flat.get(i)), text(flat.get(i + 1)));
        }
        return m;
    }

    static String text(Object o) {
        return o instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8) : (String) o;
    }

    private static void putIfPresent(Map<String, String> m, String field, String value) {
        if (value != null) {
            m.put(field, value);
        }
    }
}
