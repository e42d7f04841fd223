package dev.ephemera.session;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The provider calls the replicas watch (WebRTC calls, GPT-Live sessions), shared by every replica so that the calls
 * of a replica that dies are not left running: each is held as long as it may last, its lease ends early when the
 * replica that held it dies (the session store's clean-up after a replica whose heartbeat lapsed), and a call whose
 * lease ran out is handed to exactly one replica to hang up ({@link #orphaned}). Every stage fails with
 * {@code store_unavailable} when the store cannot be reached; none blocks.
 */
public interface CallStore {

    /**
     * Holds live session {@code sessionId}'s call, described by {@code call} (what hanging it up needs), until
     * {@code leaseEnds}; renewing is holding again. The description is kept at most {@code longest}.
     */
    CompletionStage<Void> hold(String sessionId, String call, Instant leaseEnds, Duration longest);

    /** The call ended where it was watched: it is forgotten. */
    CompletionStage<Void> drop(String sessionId);

    /**
     * Takes at most {@code max} calls whose lease ended before {@code now}: each is answered to one caller only, and
     * forgotten.
     */
    CompletionStage<List<String>> orphaned(Instant now, int max);
}
