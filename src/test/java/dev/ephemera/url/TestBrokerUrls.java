package dev.ephemera.url;

/** The broker's URLs without an application context, for unit tests of what uses them. */
public final class TestBrokerUrls {

    private TestBrokerUrls() {
    }

    /** The URLs of a broker whose {@code ephemera.issuer} is {@code issuer}. */
    public static BrokerUrls of(String issuer) {
        return new BrokerUrls(issuer, null);
    }
}
