package dev.ephemera.token;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ephemera.error.BrokerException;
import dev.ephemera.pricing.Money;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.math.BigDecimal;

/**
 * What the sessions and requests made with one token may use, all together (SPEC §4, §11), enforced by the relays;
 * absent: no limit. The money limits are whole micro-dollars ({@link Money}); besides the token's own, the token
 * carries the budgets that held when it was minted for its key (per UTC day and month) and for its subject (per UTC
 * day, from its profile), so that every response of it is reserved against the tightest of them.
 *
 * @param maxTotalTokens      tokens in and out, as the provider reports them, over all sessions and requests
 * @param maxSessionSeconds   how long one realtime session may last
 * @param maxResponses        responses, over all sessions and requests
 * @param maxCostMicros       the token's own money limit ({@code max_cost_usd})
 * @param keyMicrosPerDay     its key's {@code budget.usd_per_day}
 * @param keyMicrosPerMonth   its key's {@code budget.usd_per_month}
 * @param subjectMicrosPerDay its profile's {@code per_subject_budget.usd_per_day}, for the token's subject
 */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UsageLimits(@Nullable Long maxTotalTokens, @Nullable Long maxSessionSeconds,
        @Nullable Long maxResponses, @JsonIgnore @Nullable Long maxCostMicros,
        @JsonIgnore @Nullable Long keyMicrosPerDay, @JsonIgnore @Nullable Long keyMicrosPerMonth,
        @JsonIgnore @Nullable Long subjectMicrosPerDay) {

    public static final UsageLimits NONE = new UsageLimits(null, null, null);

    public UsageLimits(@Nullable Long maxTotalTokens, @Nullable Long maxSessionSeconds, @Nullable Long maxResponses) {
        this(maxTotalTokens, maxSessionSeconds, maxResponses, null, null, null, null);
    }

    /**
     * {@code usd}, an amount of dollars a request gives for the money limit {@code param}, in micro-dollars
     * ({@link Money}'s rules: exact, never rounded), or null for null.
     *
     * @throws BrokerException {@code invalid_request} naming {@code param} for a negative or zero amount, more than
     *                         six fraction digits, or more than {@link Money#MAX_MICROS}
     */
    @Nullable
    public static Long micros(@Nullable BigDecimal usd, String param) {
        if (usd == null) {
            return null;
        }
        try {
            long micros = Money.micros(usd);
            if (micros > 0) {
                return micros;
            }
        } catch (IllegalArgumentException e) {
            // refused below, with what to send instead
        }
        throw BrokerException.invalid(param, "'" + param + "' must be an amount of US dollars above 0 and at most "
                + Money.MAX_MICROS / Money.MICROS_PER_USD + ", with at most six digits after the point, such as "
                + "\"0.50\".");
    }

    /** {@code max_cost_usd} as the API shows it, or null. */
    @JsonProperty("max_cost_usd")
    @Nullable
    public String maxCostUsd() {
        return maxCostMicros == null ? null : Money.format(maxCostMicros);
    }

    public boolean isNone() {
        return maxTotalTokens == null && maxSessionSeconds == null && maxResponses == null && !hasMoney();
    }

    /** The limits the token was asked for, as its mint answers them: without its key's and subject's budgets. */
    public UsageLimits own() {
        return new UsageLimits(maxTotalTokens, maxSessionSeconds, maxResponses, maxCostMicros, null, null, null);
    }

    /** Whether some money limit holds: then every response must be priced and reserved. */
    public boolean hasMoney() {
        return maxCostMicros != null || keyMicrosPerDay != null || keyMicrosPerMonth != null
                || subjectMicrosPerDay != null;
    }

    /** Whether some limit needs each response's usage measured (a limit of tokens, responses or money). */
    public boolean measured() {
        return maxTotalTokens != null || maxResponses != null || hasMoney();
    }

    /** These limits with the key's budgets of money as they are now ({@code null}: none). */
    public UsageLimits withKeyBudgets(@Nullable Long perDay, @Nullable Long perMonth) {
        return new UsageLimits(maxTotalTokens, maxSessionSeconds, maxResponses, maxCostMicros, perDay, perMonth,
                subjectMicrosPerDay);
    }

    /** These limits with the subject's budget of money per day. */
    public UsageLimits withSubjectBudget(@Nullable Long perDay) {
        return new UsageLimits(maxTotalTokens, maxSessionSeconds, maxResponses, maxCostMicros, keyMicrosPerDay,
                keyMicrosPerMonth, perDay);
    }

    /** These limits with the token's own money limit. */
    public UsageLimits withMaxCost(@Nullable Long micros) {
        return new UsageLimits(maxTotalTokens, maxSessionSeconds, maxResponses, micros, keyMicrosPerDay,
                keyMicrosPerMonth, subjectMicrosPerDay);
    }
}
