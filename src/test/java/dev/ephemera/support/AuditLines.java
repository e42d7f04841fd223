package dev.ephemera.support;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.nio.charset.StandardCharsets;
import net.logstash.logback.appender.LoggingEventAsyncDisruptorAppender;
import org.slf4j.LoggerFactory;

/** The line logback.xml's audit appender writes for an event: what the audit pipeline reads. */
public final class AuditLines {

    private AuditLines() {
    }

    @SuppressWarnings("unchecked")
    public static String of(ILoggingEvent event) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        var async = (LoggingEventAsyncDisruptorAppender) context.getLogger("ephemera.audit").getAppender("AUDIT");
        OutputStreamAppender<ILoggingEvent> out = (OutputStreamAppender<ILoggingEvent>) async.getAppender("AUDIT_OUT");
        return new String(out.getEncoder().encode(event), StandardCharsets.UTF_8).stripTrailing();
    }
}
