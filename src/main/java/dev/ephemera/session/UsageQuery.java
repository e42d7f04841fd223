package dev.ephemera.session;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.token.MintRequest;
import io.micronaut.core.annotation.Nullable;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What {@code GET /v1/usage} asks for (SPEC §5), read strictly from the decoded query parameters: the key (null:
 * every key the caller may see), exact filters on subject, provider and model, the UTC days {@code from} to
 * {@code to} (both included; at most {@link #MAX_DAYS} of them, none older than the store keeps nor after today) and
 * how rows are grouped (null: one total). A parameter that is unknown, repeated, empty or unparsable is refused with
 * {@code 400 invalid_request} naming it, never quoting what was sent.
 */
record UsageQuery(@Nullable String key, @Nullable String subject, @Nullable String provider, @Nullable String model,
        LocalDate from, LocalDate to, @Nullable GroupBy groupBy) {

    /** The most days one report covers. */
    static final int MAX_DAYS = 62;

    /** How far back a report may reach: the store keeps a key's days no longer. */
    static final long MAX_DAYS_BACK = SessionStore.USAGE_RETENTION.toDays();

    private static final Set<String> NAMES = Set.of("key", "subject", "provider", "model", "from", "to", "group_by");
    private static final Pattern DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");
    /** A caller's id: {@code key_…}, or {@code jwt:<issuer>:<subject>} for a service. */
    private static final Pattern KEY = Pattern.compile("[^\\x00-\\x1F\\x7F-\\x9F]{1,512}");
    private static final Pattern SUBJECT = Pattern.compile("[^\\x00-\\x1F\\x7F-\\x9F]{1,256}");
    private static final Pattern PROVIDER = Pattern.compile(MintRequest.PROVIDER_NAME);
    private static final Pattern MODEL = Pattern.compile(MintRequest.MODEL_NAME);

    /** How the rows of a report are grouped; each row carries its group's fields. */
    enum GroupBy {
        /** {@code day}: one row per UTC day. */
        DAY,
        /** {@code provider} and {@code model}. */
        MODEL,
        /** {@code key_id}. */
        KEY,
        /** {@code subject}. */
        SUBJECT;

        String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The query that {@code params} (each name with its decoded values) ask for, on {@code today} (UTC): without
     * {@code from} and {@code to}, today only; without {@code to}, up to today; without {@code from}, the day
     * {@code to} only.
     *
     * @throws BrokerException {@code invalid_request} for a parameter this endpoint does not read, or one that is
     *                         repeated, empty, malformed or out of range
     */
    static UsageQuery parse(Map<String, List<String>> params, LocalDate today) {
        for (String name : params.keySet()) {
            if (!NAMES.contains(name)) {
                // Not the name itself: it is the caller's text, and could be anything.
                throw new BrokerException(ErrorCode.INVALID_REQUEST, "Unknown query parameter: /v1/usage reads only "
                        + "key, subject, provider, model, from, to and group_by.");
            }
        }
        String key = matching(params, "key", KEY, "'key' must be the id of an API key, such as key_….");
        String subject = matching(params, "subject", SUBJECT, "'subject' must be 1-256 printable characters.");
        String provider = matching(params, "provider", PROVIDER, MintRequest.PROVIDER_MESSAGE);
        String model = matching(params, "model", MODEL, MintRequest.MODEL_MESSAGE);
        LocalDate to = date(params, "to");
        LocalDate from = date(params, "from");
        to = to == null ? today : to;
        from = from == null ? to : from;
        if (to.isAfter(today)) {
            throw BrokerException.invalid("to", "'to' must not be after today (UTC).");
        }
        if (to.isBefore(from)) {
            throw BrokerException.invalid("to", "'to' must not be before 'from'.");
        }
        if (from.isBefore(today.minusDays(MAX_DAYS_BACK))) {
            throw BrokerException.invalid("from", "'from' may be at most " + MAX_DAYS_BACK + " days before today "
                    + "(UTC): older usage is not kept.");
        }
        if (ChronoUnit.DAYS.between(from, to) >= MAX_DAYS) {
            throw BrokerException.invalid("from", "A report covers at most " + MAX_DAYS + " days, 'from' and 'to' "
                    + "included; ask for a shorter range.");
        }
        return new UsageQuery(key, subject, provider, model, from, to, groupBy(params));
    }

    /** This query, for {@code keyId}'s usage only. */
    UsageQuery withKey(String keyId) {
        return new UsageQuery(keyId, subject, provider, model, from, to, groupBy);
    }

    /** The days asked for, oldest first. */
    List<LocalDate> days() {
        return from.datesUntil(to.plusDays(1)).toList();
    }

    /** Whether {@code group} is asked for: its key, its day and the filters (the key only when one is named). */
    boolean covers(SessionStore.GroupUsage group) {
        return (key == null || key.equals(group.keyId())) && !group.day().isBefore(from) && !group.day().isAfter(to)
                && (subject == null || subject.equals(group.subject()))
                && (provider == null || provider.equals(group.provider()))
                && (model == null || model.equals(group.model()));
    }

    @Nullable
    private static GroupBy groupBy(Map<String, List<String>> params) {
        String value = one(params, "group_by");
        if (value == null) {
            return null;
        }
        for (GroupBy g : GroupBy.values()) {
            if (g.wireName().equals(value)) {
                return g;
            }
        }
        throw BrokerException.invalid("group_by", "'group_by' must be day, model, key or subject.");
    }

    @Nullable
    private static LocalDate date(Map<String, List<String>> params, String name) {
        String value = one(params, name);
        if (value == null) {
            return null;
        }
        String message = "'" + name + "' must be a UTC date YYYY-MM-DD.";
        if (!DATE.matcher(value).matches()) {
            throw BrokerException.invalid(name, message);
        }
        try {
            return LocalDate.parse(value, DateTimeFormatter.ISO_LOCAL_DATE);  // strict: no 2025-02-30
        } catch (DateTimeParseException e) {
            throw BrokerException.invalid(name, message);
        }
    }

    @Nullable
    private static String matching(Map<String, List<String>> params, String name, Pattern pattern, String message) {
        String value = one(params, name);
        if (value != null && !pattern.matcher(value).matches()) {
            throw BrokerException.invalid(name, message);
        }
        return value;
    }

    /** The one value of {@code name}, or null when absent; given twice or empty, refused. */
    @Nullable
    private static String one(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw BrokerException.invalid(name, "'" + name + "' may be given once.");
        }
        String value = values.get(0);
        if (value == null || value.isEmpty()) {
            throw BrokerException.invalid(name, "'" + name + "' must not be empty; leave it out instead.");
        }
        return value;
    }
}
