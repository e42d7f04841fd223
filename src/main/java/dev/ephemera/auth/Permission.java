package dev.ephemera.auth;

import io.micronaut.core.annotation.Nullable;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What a caller may do (SPEC §3). The wire names double as Micronaut Security roles; {@code admin} implies every
 * other permission.
 */
public enum Permission {
    READ, WRITE, ADMIN, WEBHOOK;

    public static final String ROLE_READ = "read";
    public static final String ROLE_WRITE = "write";
    public static final String ROLE_ADMIN = "admin";
    public static final String ROLE_WEBHOOK = "webhook";

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Nullable
    public static Permission fromWire(String value) {
        for (Permission p : values()) {
            if (p.wireName().equals(value)) {
                return p;
            }
        }
        return null;
    }

    /** The permissions a holder of {@code granted} effectively has. */
    public static Set<Permission> effective(Set<Permission> granted) {
        return granted.contains(ADMIN) ? EnumSet.allOf(Permission.class) : EnumSet.copyOf(granted);
    }
}
