package dev.ephemera.relay.realtime;

/** Why a relayed session ended, as its receipt names it, and the words its close frame gives the client. */
final class SessionEnds {

    private SessionEnds() {
    }

    /**
     * The code of the close frame that answers a client's close with {@code received}: 1000 for "no status" (1005,
     * or -1, as Netty reads a close frame without a code), else the received code where it may be sent.
     */
    static int answering(int received) {
        return received == 1005 || received == -1 ? 1000 : sendable(received);
    }

    /** Close codes 1005, 1006 and 1015 may not be sent on the wire; others pass through. */
    static int sendable(int code) {
        return code < 1000 || code == 1005 || code == 1006 || code == 1015 || code > 4999 ? 1011 : code;
    }

    /**
     * The close frame's reason for a refused message, where the protocol has no error message: its code and the
     * field it names (never a value the client sent), at most 123 bytes.
     */
    static String refused(dev.ephemera.relay.event.ClientEventFilter.Refuse refusal) {
        if (refusal.code().equals("usage_limit_reached")) {
            return text(refusal.code());
        }
        String text = refusal.param() == null ? refusal.code() : refusal.code() + ": " + refusal.param();
        byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return utf8.length <= 123 ? text : refusal.code();
    }

    /** The close frame's reason text for {@code reason}; at most 123 bytes, as RFC 6455 allows. */
    static String text(String reason) {
        return switch (reason) {
            case "token_revoked" -> "the token was revoked";
            case "key_revoked" -> "the key that minted the token was revoked";
            case "ended_by_backend" -> "the session was ended by the backend";
            case "usage_limit_reached" -> "usage limit reached";
            default -> "the session was ended";
        };
    }
}
