package dev.ephemera.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** Every log line (message and stack trace) written while it is open, from every logger. */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<Logger> attached = new CopyOnWriteArrayList<>();

    public LogCapture() {
        setName("capture");
        start();
        for (String name : new String[] {Logger.ROOT_LOGGER_NAME, "ephemera.audit"}) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            logger.addAppender(this);
            attached.add(logger);
        }
    }

    @Override
    protected void append(ILoggingEvent event) {
        String line = event.getLoggerName() + " " + event.getFormattedMessage();
        if (event.getThrowableProxy() != null) {
            line += "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy());
        }
        lines.add(line);
    }

    public String all() {
        return String.join("\n", lines);
    }

    @Override
    public void close() {
        attached.forEach(l -> l.detachAppender(this));
        stop();
    }
}
