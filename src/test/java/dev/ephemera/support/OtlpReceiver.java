package dev.ephemera.support;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * A small OTLP/HTTP receiver on 127.0.0.1 ({@code POST /v1/traces}, protobuf, as OpenTelemetry's exporters send
 * it): decodes every span it is sent with OpenTelemetry's own protobuf classes and keeps it, with the raw bytes of
 * every export for the secret checks. What a collector would see, nothing less.
 */
public final class OtlpReceiver implements AutoCloseable {

    /** A span as received: ids in hex, attributes and events' attributes as plain values. */
    public record Received(String name, String traceId, String spanId, String parentSpanId, String kind,
            Map<String, Object> attributes, List<Event> events, String status, Map<String, Object> resource) {
    }

    /** A span event: its name and attributes. */
    public record Event(String name, Map<String, Object> attributes) {
    }

    public final List<Received> spans = new CopyOnWriteArrayList<>();
    /** Every export's body as received, for checks on what left the broker. */
    public final List<byte[]> exports = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    public OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/traces", exchange -> {
            try (exchange) {
                byte[] body;
                try (InputStream in = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst(
                        "Content-Encoding")) ? new GZIPInputStream(exchange.getRequestBody())
                        : exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                exports.add(body);
                receive(ExportTraceServiceRequest.parseFrom(body));
                byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        server.start();
    }

    /** The endpoint to configure ({@code otel.exporter.otlp.endpoint}): the exporter adds {@code /v1/traces}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The spans received with this name. */
    public List<Received> named(String name) {
        return spans.stream().filter(s -> s.name().equals(name)).toList();
    }

    private void receive(ExportTraceServiceRequest request) {
        HexFormat hex = HexFormat.of();
        request.getResourceSpansList().forEach(resource -> {
            Map<String, Object> resourceAttributes = values(resource.getResource().getAttributesList());
            resource.getScopeSpansList().forEach(scope -> scope.getSpansList().forEach(span -> spans.add(
                    new Received(span.getName(), hex.formatHex(span.getTraceId().toByteArray()),
                            hex.formatHex(span.getSpanId().toByteArray()),
                            hex.formatHex(span.getParentSpanId().toByteArray()), span.getKind().name(),
                            values(span.getAttributesList()),
                            span.getEventsList().stream().map(e -> new Event(e.getName(),
                                    values(e.getAttributesList()))).toList(),
                            span.getStatus().getCode().name(), resourceAttributes))));
        });
    }

    private static Map<String, Object> values(List<KeyValue> attributes) {
        Map<String, Object> values = new LinkedHashMap<>();
        attributes.forEach(kv -> values.put(kv.getKey(), value(kv.getValue())));
        return values;
    }

    private static Object value(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> value.getIntValue();
            case DOUBLE_VALUE -> value.getDoubleValue();
            case BOOL_VALUE -> value.getBoolValue();
            default -> value.toString();
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
