package dev.ephemera.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

/**
 * {@code %traceIds} in the application log's pattern: {@code  trace_id=… span_id=…} of the span current on the
 * logging thread, where the line was logged within a traced operation (tracing on); else nothing. The console
 * appender encodes on the logging thread, so the current span is the one the line was logged in.
 */
public final class TraceIds extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        SpanContext context = Span.current().getSpanContext();
        return context.isValid() ? " trace_id=" + context.getTraceId() + " span_id=" + context.getSpanId() : "";
    }
}
