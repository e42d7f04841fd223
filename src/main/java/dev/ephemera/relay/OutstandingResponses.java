package dev.ephemera.relay;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The responses of a realtime session that are asked for or running but not yet done, each with the output it may
 * still use (SPEC §7: while one is outstanding, the next is capped at what would be left if it used its cap). A
 * client's {@code response.create} is counted when it is forwarded, under its {@code event_id}; the provider's
 * {@code response.created} gives the oldest request its response id (or, with none asked for, is a response the
 * provider started itself, reserved at the session's own limit); {@code response.done} ends it, and an {@code error}
 * naming a request's {@code event_id} gives that request back — unless the client used that id for another event
 * too, when the error may be about that one ({@link #clash}): then the request stays reserved. What the provider
 * never answers stays reserved: the budget errs towards refusing. One per session, on its event loop.
 */
final class OutstandingResponses {

    /**
     * An outstanding response's cap in tokens, the money it was promised ({@link MoneyPurse#promise}) and the input
     * it carries where that is estimated (a Live turn's): what it counts if its usage never comes.
     */
    record Share(long cap, long promise, long input) {
        static final Share NONE = new Share(0, 0, 0);

        Share(long cap, long promise) {
            this(cap, promise, 0);
        }

        Share withInput(long tokens) {
            return new Share(cap, promise, tokens);
        }

        /** The tokens it holds of a token's budget: its output cap and the input it carries. */
        long tokens() {
            return cap + input;
        }
    }

    /** A request forwarded, not yet given a response id; refundable while its event id names it alone. */
    private static final class Request {
        private final String eventId;
        private final Share share;
        private boolean refundable;

        private Request(String eventId, Share share, boolean refundable) {
            this.eventId = eventId;
            this.share = share;
            this.refundable = refundable;
        }
    }

    private final ArrayDeque<Request> requested = new ArrayDeque<>();
    private final Map<String, Share> running = new HashMap<>();
    private long reserved;

    /**
     * A client's request for a response, capped at {@code cap} output tokens, was forwarded; {@code refundable} when
     * a provider error naming {@code eventId} can only be about it.
     */
    void requested(String eventId, Share share, boolean refundable) {
        requested.add(new Request(eventId, share, refundable));
        reserved += share.tokens();
    }

    /**
     * A client event with {@code eventId} is about to be forwarded: the requests waiting under the same id can no
     * longer be told apart from it by a provider error, so none of them is given back on one. Whether any was.
     */
    boolean clash(String eventId) {
        boolean clashed = false;
        for (Request request : requested) {
            if (request.eventId.equals(eventId)) {
                request.refundable = false;
                clashed = true;
            }
        }
        return clashed;
    }

    /**
     * The provider created response {@code responseId}: the oldest request's, or one it started itself, which
     * reserves what {@code own} makes (asked only then). Whether it was one the provider started itself.
     */
    boolean created(String responseId, java.util.function.Supplier<Share> own) {
        if (running.containsKey(responseId)) {
            return false;
        }
        Request oldest = requested.poll();
        Share share = oldest == null ? own.get() : oldest.share;
        if (oldest == null) {
            reserved += share.tokens();
        }
        running.put(responseId, share);
        return oldest == null;
    }

    /** Response {@code responseId} is done (a done without a created ends the oldest request); answers its share. */
    Share done(String responseId) {
        Share share = running.remove(responseId);
        if (share == null) {
            Request oldest = requested.poll();
            share = oldest == null ? Share.NONE : oldest.share;
        }
        reserved -= share.tokens();
        return share;
    }

    /**
     * The provider refused the client event {@code eventId}: if that was a request for a response, and the id named
     * it alone, it is given back; answers its share (none when nothing was given back).
     */
    Share refused(String eventId) {
        for (Iterator<Request> it = requested.iterator(); it.hasNext(); ) {
            Request request = it.next();
            if (request.eventId.equals(eventId)) {
                if (request.refundable) {
                    it.remove();
                    reserved -= request.share.tokens();
                    return request.share;
                }
                return Share.NONE;
            }
        }
        return Share.NONE;
    }

    /** Every response still outstanding, forgotten: the session ended before the provider said they were done. */
    java.util.List<Share> drain() {
        java.util.List<Share> all = new java.util.ArrayList<>(running.values());
        requested.forEach(request -> all.add(request.share));
        running.clear();
        requested.clear();
        reserved = 0;
        return all;
    }

    /** How many responses are outstanding. */
    int count() {
        return requested.size() + running.size();
    }

    /** The tokens the outstanding responses may still use: their output caps and the input they carry. */
    long reserved() {
        return reserved;
    }
}
