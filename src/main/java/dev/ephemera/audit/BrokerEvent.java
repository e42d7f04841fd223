package dev.ephemera.audit;

import io.micronaut.core.annotation.Nullable;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything the broker records (SPEC §8): one audit line each, and the webhooks of SPEC §11 are made of them
 * ({@link AuditListener}). Each type has one {@link #name()}, the audit line's {@code event} and the webhook's
 * {@code type}; its {@link #fields()} are the line's fields after {@code ts}, {@code event} and {@code actor}, in
 * order, with absent ones left out. Names and fields are a contract: they are written as they were when they were
 * strings. Ids and bindings only, never a secret.
 */
public sealed interface BrokerEvent {

    /** Who acted: the caller's id (a key's for sessions). */
    String actor();

    /** The fields after the actor, in the order they are written; null ones are left out. */
    Map<String, Object> fields();

    /** The event's name: the audit line's {@code event}, the webhook's {@code type}. */
    default String name() {
        return switch (this) {
            case TokenMinted e -> "token.minted";
            case TokenRedeemed e -> "token.redeemed";
            case TokenRejected e -> "token.rejected";
            case TokenRevoked e -> "token.revoked";
            case SessionOpened e -> "session.opened";
            case SessionClosed e -> "session.closed";
            case SessionEnded e -> "session.ended";
            case KeyCreated e -> "key.created";
            case KeyRotated e -> "key.rotated";
            case KeyRevoked e -> "key.revoked";
            case WebhookCreated e -> "webhook.created";
            case WebhookDeleted e -> "webhook.deleted";
            case WebhookRotated e -> "webhook.rotated";
        };
    }

    /**
     * A token was minted. A relay token's line has its {@code format}, {@code max_uses} and {@code origin}; an
     * upstream key's (one the provider minted) has {@code mode} instead.
     */
    record TokenMinted(String actor, String tokenId, String keyId, String provider, @Nullable String model,
            @Nullable String format, @Nullable Integer maxUses, @Nullable String mode, long expiresAt,
            @Nullable String subject, @Nullable String origin, @Nullable String clientIp) implements BrokerEvent {
        @Override
        public Map<String, Object> fields() {
            return AuditLog.fields("token_id", tokenId, "key_id", keyId, "provider", provider, "model", model,
                    "format", format, "max_uses", maxUses, "mode", mode, "expires_at", expiresAt,
                    "subject", subject, "origin", origin, "client_ip", clientIp);
        }
    }

    /** A use of a token was taken. */
    record TokenRedeemed(String actor, String tokenId, String keyId, int usesLeft, String provider,
            @Nullable String model, @Nullable String clientIp) implements BrokerEvent {
        @Override
        public Map<String, Object> fields() {
            return AuditLog.fields("token_id", tokenId, "key_id", keyId, "uses_left", usesLeft,
                    "provider", provider, "model", model, "client_ip", clientIp);
        }
    }

    /**
     * A token was refused: {@code reason} is the outcome ({@code unknown}, {@code expired}, {@code used_up},
     * {@code mismatch}), {@code mismatch} which binding did not match.
     */
    record TokenRejected(String actor, @Nullable String tokenId, String reason, @Nullable String mismatch,
            @Nullable String clientIp) implements BrokerEvent {
        @Override
        public Map<String, Object> fields() {
            return AuditLog.fields("token_id", tokenId, "reason", reason, "mismatch", mismatch,
                    "client_ip", clientIp);
        }
    }

    /** A token was revoked, by its value, by its id, or with the key that minted it. */
    record TokenRevoked(String actor, String tokenId, @Nullable String keyId, By by) implements BrokerEvent {

        /** How the token was named; written as its lower-case name. */
        public enum By { VALUE, ID, CASCADE }

        @Override
        public Map<String, Object> fields() {
            String how = by.name().toLowerCase(Locale.ROOT);
            // A cascade's line has always named how before the key.
            return by == By.CASCADE ? AuditLog.fields("token_id", tokenId, "by", how, "key_id", keyId)
                    : AuditLog.fields("token_id", tokenId, "key_id", keyId, "by", how);
        }
    }

    /** A live session was opened and listed. */
    record SessionOpened(String actor, String sessionId, String tokenId, String keyId, String provider,
            @Nullable String model) implements BrokerEvent {
        @Override
        public Map<String, Object> fields() {
            return AuditLog.fields("session_id", sessionId, "token_id", tokenId, "key_id", keyId,
                    "provider", provider, "model", model);
        }
    }

    /**
     * A live session closed, for {@code reason}, having used {@code usage} (the session's usage counts, written as
     * they serialise themselves; this layer cannot name their type).
     */
    record SessionClosed(String actor, String sessionId, String tokenId, String keyId, String provider,
            String reason, Object usage) implements BrokerEvent {
        @Override
        public Map<String, Object> fields() {
            return AuditLog.fields("session_id", sessionId, "token_id", tokenId, "key_id", keyId,
                    "provider", provider, "reason", reason, "usage", usage);
        }
    }

    /** A backend asked a live session to end (the kill switch). */
    record SessionEnded(String actor, String sessionId, String tokenId, String reason) implements BrokerEvent {
        @Override
        public Map<String, Object> fields() {
            return AuditLog.fields("session_id", sessionId, "token_id", tokenId, "reason", reason);
        }
    }

    /** An API key was created with these permissions (their wire names, sorted). */
    record KeyCreated(String actor, String keyId, List<String> permissions) implements BrokerEvent {
        @Override
        public Map<String, Object> fields() {
            return AuditLog.fields("key_id", keyId, "permissions", permissions);
        }
    }

    /** An API key got a new secret; the old one stays valid for {@code graceSeconds}. */
    record KeyRotated(String actor, String keyId, long graceSeconds) implements BrokerEvent {
        @Override
        public Map<String, Object> fields() {
            return AuditLog.fields("key_id", keyId, "grace_seconds", graceSeconds);
        }
    }

    /** An API key was revoked. */
    record KeyRevoked(String actor, String keyId) implements BrokerEvent {
        @Override
        public Map<String, Object> fields() {
            return AuditLog.fields("key_id", keyId);
        }
    }

    /** A webhook subscription was created for these event types. */
    record WebhookCreated(String actor, String webhookId, List<String> events) implements BrokerEvent {
        @Override
        public Map<String, Object> fields() {
            return AuditLog.fields("webhook_id", webhookId, "events", events);
        }
    }

    /** A webhook subscription was deleted. */
    record WebhookDeleted(String actor, String webhookId) implements BrokerEvent {
        @Override
        public Map<String, Object> fields() {
            return AuditLog.fields("webhook_id", webhookId);
        }
    }

    /** A webhook subscription got a new secret. */
    record WebhookRotated(String actor, String webhookId) implements BrokerEvent {
        @Override
        public Map<String, Object> fields() {
            return AuditLog.fields("webhook_id", webhookId);
        }
    }
}
