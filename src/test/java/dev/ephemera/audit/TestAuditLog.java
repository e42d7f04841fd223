package dev.ephemera.audit;

import java.time.Clock;

/** The audit log without an application context, for unit tests of what uses it. */
public final class TestAuditLog {

    private TestAuditLog() {
    }

    public static AuditLog of(Clock clock) {
        return new AuditLog(clock);
    }
}
