package dev.ephemera.profile;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.convert.format.MapFormat;
import io.micronaut.core.naming.conventions.StringConvention;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A server-side profile for browser tokens ({@code ephemera.profiles.<name>.*}): everything a token minted on
 * {@code /realtime-token} gets. A browser may pick a profile and narrow it, never widen it.
 *
 * @param session            the session config sent to the provider first
 * @param lockedFields       session fields the browser may not change during the session
 * @param allowedOrigins     the pages that may fetch tokens of this profile; the token is bound to the one that did
 * @param maxSessionDuration the longest a realtime session of this profile lasts
 * @param endpoints          the provider endpoints its tokens may reach through the HTTP relay (default: all the
 *                           provider allows)
 * @param limits             what the sessions and requests of one token may use ({@code max-total-tokens},
 *                           {@code max-session-seconds}, {@code max-responses}, {@code max-cost-usd}; SPEC §11)
 * @param perSubjectBudget   what one end user (the token's subject) may spend with all the tokens of the caller
 *                           that minted them ({@code usd-per-day}, a decimal string)
 * @param dataChannel        what a page's WebRTC data channel may send and receive where the provider takes such rules
 *                           (GPT-Live): {@code allowed-client-events}, {@code allowed-server-events}, each a list of
 *                           event types or {@code all}
 */
@EachProperty("ephemera.profiles")
public record ProfileProperties(
        @Parameter String name,
        @Nullable String provider,
        @Nullable String model,
        @Nullable Duration ttl,
        @Nullable Integer maxUses,
        @Nullable @MapFormat(transformation = MapFormat.MapTransformation.NESTED, keyFormat = StringConvention.RAW)
        Map<String, Object> session,
        @Nullable List<String> lockedFields,
        @Nullable List<String> allowedOrigins,
        @Nullable Duration maxSessionDuration,
        @Nullable List<String> endpoints,
        @Nullable @MapFormat(transformation = MapFormat.MapTransformation.NESTED, keyFormat = StringConvention.RAW)
        Map<String, Object> limits,
        @Nullable @MapFormat(transformation = MapFormat.MapTransformation.NESTED, keyFormat = StringConvention.RAW)
        Map<String, Object> perSubjectBudget,
        @Nullable @MapFormat(transformation = MapFormat.MapTransformation.NESTED, keyFormat = StringConvention.RAW)
        Map<String, Object> dataChannel) {
}
