package dev.ephemera.support;

import java.util.HashMap;
import java.util.Map;

/** One scrape of {@code GET /prometheus}: each sample line as {@code name{labels}} and its value. */
public record Scrape(String text, Map<String, Double> samples) {

    public static Scrape of(Broker broker) {
        Broker.Reply reply = broker.get("/prometheus", null);
        if (reply.status() != 200) {
            throw new AssertionError("GET /prometheus answered " + reply.status());
        }
        Map<String, Double> samples = new HashMap<>();
        for (String line : reply.body().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return new Scrape(reply.body(), samples);
    }

    /** The sample's value, 0 when the series does not exist (yet). */
    public double value(String sample) {
        return samples.getOrDefault(sample, 0.0);
    }
}
