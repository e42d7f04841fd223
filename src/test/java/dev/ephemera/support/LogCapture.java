package dev.ephemera.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Every log line (message and stack trace) written while it is open, from every logger — at every level: the
 * broker's own loggers are turned to TRACE and every other logger to DEBUG while it is open, so that a secret logged
 * at a level production does not show is caught too.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final List<Logger> attached = new CopyOnWriteArrayList<>();
    private final Map<Logger, Level> levels = new java.util.LinkedHashMap<>();

    public LogCapture() {
        setName("capture");
        start();
        lower(Logger.ROOT_LOGGER_NAME, Level.DEBUG);
        lower("dev.ephemera", Level.TRACE);
        // Chatty at DEBUG and secret-free: every frame's bytes (Netty), every class scanned (Micronaut's context).
        lower("io.netty", Level.INFO);
        lower("io.micronaut.context", Level.INFO);
        lower("io.micronaut.core", Level.INFO);
        lower("io.lettuce.core.protocol", Level.INFO);
        // The tests' own HTTP client, which logs the URIs the tests send (keys in query strings included, on purpose).
        lower("io.micronaut.http.client.netty.DefaultHttpClient", Level.INFO);
        for (String name : new String[] {Logger.ROOT_LOGGER_NAME, "ephemera.audit"}) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            logger.addAppender(this);
            attached.add(logger);
        }
    }

    @Override
    protected void append(ILoggingEvent event) {
        // Audit lines as the audit appender writes them (JSON); every other line as its message.
        String line = event.getLoggerName() + " " + ("ephemera.audit".equals(event.getLoggerName())
                ? AuditLines.of(event) : event.getFormattedMessage());
        if (event.getThrowableProxy() != null) {
            line += "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy());
        }
        lines.add(line);
        if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
            warnings.add(event.getLevel() + " " + line);
        }
    }

    /** The lines at WARN or ERROR, each after its level. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    public String all() {
        return String.join("\n", lines);
    }

    private void lower(String name, Level level) {
        Logger logger = (Logger) LoggerFactory.getLogger(name);
        levels.putIfAbsent(logger, logger.getLevel());
        logger.setLevel(level);
    }

    @Override
    public void close() {
        attached.forEach(l -> l.detachAppender(this));
        levels.forEach(Logger::setLevel);
        stop();
    }
}
