package dev.ephemera.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The forwarding headers a proxy in front may name the client in ({@code ephemera.client-address-header}), each
 * read as its own syntax says into its nodes, client first, as text: the caller decides which node to believe, and
 * reads it as an IP literal. A header that does not follow its syntax gives no nodes at all.
 */
enum ClientAddressHeader {

    /** The de-facto standard: a comma list of addresses, each proxy appending the one it saw. */
    X_FORWARDED_FOR("X-Forwarded-For") {
        @Override
        Optional<List<String>> nodes(List<String> fieldLines) {
            List<String> nodes = new ArrayList<>();
            for (String line : fieldLines) {
                for (String node : line.split(",", -1)) {
                    nodes.add(node.trim());
                }
            }
            return Optional.of(nodes);
        }
    },

    /** RFC 7239: elements of {@code name=value} pairs; the client is an element's {@code for}. */
    FORWARDED("Forwarded") {
        @Override
        Optional<List<String>> nodes(List<String> fieldLines) {
            return ForwardedElements.forNodes(String.join(",", fieldLines));
        }
    },

    /** One address, written by the one proxy in front (nginx's habit); anything more does not parse. */
    X_REAL_IP("X-Real-IP") {
        @Override
        Optional<List<String>> nodes(List<String> fieldLines) {
            return fieldLines.size() == 1 && !fieldLines.getFirst().contains(",")
                    ? Optional.of(List.of(fieldLines.getFirst().trim())) : Optional.empty();
        }
    };

    private final String fieldName;

    ClientAddressHeader(String fieldName) {
        this.fieldName = fieldName;
    }

    /** The header's name as HTTP spells it. */
    String fieldName() {
        return fieldName;
    }

    /** The nodes that {@code fieldLines} (every line of this header, in order) name, client first; empty if bad. */
    abstract Optional<List<String>> nodes(List<String> fieldLines);

    /** The header with this name, compared as HTTP compares names (case-insensitively). */
    static Optional<ClientAddressHeader> named(String name) {
        for (ClientAddressHeader header : values()) {
            if (header.fieldName.toLowerCase(Locale.ROOT).equals(name.trim().toLowerCase(Locale.ROOT))) {
                return Optional.of(header);
            }
        }
        return Optional.empty();
    }
}
