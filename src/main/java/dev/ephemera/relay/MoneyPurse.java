package dev.ephemera.relay;

import dev.ephemera.pricing.Price;
import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.session.MoneyTurn;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;
import java.math.BigInteger;
import java.time.LocalDate;

/**
 * The money a live session holds reserved in its key's ledgers (SPEC §11), after the model of prepaid credit control
 * (RFC 4006: a grant reserved per session, used, reported, and granted again): before each response the money left
 * becomes the response's output cap at the model's highest output price, once the input it will carry is paid for;
 * each response's cost is counted when it is done, and the grant is renewed in one turn with the store (all of it
 * given back, what is left up to a full response reserved again), one turn at a time.
 *
 * <p>The input a response will carry is estimated from above: the last response's input and output (the context it
 * leaves, text and audio as the provider counted them) and what the client added since, text at one token per byte
 * (no tokenizer makes more) and audio at one token per {@link #AUDIO_BYTES_PER_TOKEN} decoded bytes (more than any
 * realtime audio format makes), each at its fresh (uncached) price. What the broker
 * cannot see (audio sent over WebRTC, straight to the provider) is the only overshoot: at most one response's input
 * beyond the estimate. Confined to the session's event loop; the store's answers come back on it.
 */
public final class MoneyPurse {

    /** Decoded audio bytes per input token, from below: 8 kHz G.711 at 10 tokens a second makes 800. */
    public static final long AUDIO_BYTES_PER_TOKEN = 500;
    /**
     * Seconds of a per-minute model's session that must be paid for ahead: a session that cannot pay for them is
     * ended (the provider reports its seconds every few); twelve times as many are asked for.
     */
    static final long SECONDS_AHEAD = 10;

    private static final BigInteger MILLION = BigInteger.valueOf(1_000_000);

    private final TokenFacts owner;
    private final Price price;
    private final UsageLimits limits;
    @Nullable
    private final String model;
    /** What the store holds reserved for this session, as of its last answer. */
    private long reserved;
    private LocalDate reservedOn;
    /** The cost of what was used since that answer (counted in the store's spend, still in its reservation). */
    private long spent;
    /** What the outstanding responses may still cost. */
    private long promised;
    /** The input the next response will carry, estimated from above: text tokens and audio tokens. */
    private long contextText;
    private long contextAudio;
    private boolean asking;
    private long spentWhileAsking;
    /** The most output a response of this session asked for (its client's caps), once one did: what a grant holds. */
    private long responseSize = OutputBudget.PROVIDER_MAXIMUM;
    private boolean responseSizeAsked;

    /**
     * A purse of {@code owner}'s (the token whose ledgers hold its money) holding {@code granted} reserved on
     * {@code day} (at admission) for {@code model}, priced {@code price}.
     */
    public MoneyPurse(TokenFacts owner, Price price, UsageLimits limits, @Nullable String model, long granted,
            LocalDate day) {
        this.owner = owner;
        this.price = price;
        this.limits = limits;
        this.model = model;
        this.reserved = granted;
        this.reservedOn = day;
    }

    public Price price() {
        return price;
    }

    /** The token whose ledgers hold this money. */
    public TokenFacts owner() {
        return owner;
    }

    /**
     * The least a session must hold to start, or to ask for one more response: its input ({@code carried}
     * micro-dollars) and one output token.
     */
    public static long need(Price price, long carried) {
        return carried + output(price, 1) + minutes(price, SECONDS_AHEAD);
    }

    /** What a full response costs at most, with its input: what the purse asks the store for at first. */
    public static long target(Price price, long carried) {
        return target(price, carried, OutputBudget.PROVIDER_MAXIMUM);
    }

    private static long target(Price price, long carried, long output) {
        return carried + output(price, output) + minutes(price, 12 * SECONDS_AHEAD);
    }

    /** What the input the next response will carry costs at most: its text and its audio at their fresh prices. */
    private long carried() {
        return ceil(BigInteger.valueOf(contextText).multiply(BigInteger.valueOf(price.inputText()))
                .add(BigInteger.valueOf(contextAudio).multiply(BigInteger.valueOf(price.inputAudio()))), MILLION);
    }

    /**
     * The client capped a response (or the session's responses) at {@code tokens}: from now on the grant holds the
     * largest of such caps, not a response of the provider's maximum, so that an open session holds no more of its
     * key's money than its responses may use.
     */
    public void asked(long tokens) {
        long size = Math.max(1, Math.min(tokens, OutputBudget.PROVIDER_MAXIMUM));
        responseSize = responseSizeAsked ? Math.max(responseSize, size) : size;
        responseSizeAsked = true;
    }

    private long spare() {
        return reserved - spent - promised;
    }

    /** Whether the purse cannot pay for one more response now. */
    public boolean isShort() {
        return spare() < need(price, carried());
    }

    /** The output tokens one more response may have: what is spare once its input is paid; 0 when it cannot be. */
    public long cap() {
        long free = spare() - carried() - minutes(price, SECONDS_AHEAD);
        return free <= 0 ? 0 : price.tokensFor(free);
    }

    /** A response capped at {@code tokens} was asked for: its cost at most is promised; answers that promise. */
    public long promise(long tokens) {
        long promise = carried() + output(price, tokens);
        promised += promise;
        return promise;
    }

    /** A response's promise is kept or given back ({@code promise} is what {@link #promise} answered). */
    public void release(long promise) {
        promised = Math.max(0, promised - promise);
    }

    /** The client added {@code tokens} of text or audio (estimated from above) to what the next response carries. */
    public void added(long tokens, boolean audio) {
        if (audio) {
            contextAudio += tokens;
        } else {
            contextText += tokens;
        }
    }

    /**
     * A response or some seconds cost {@code cost}; a response leaves its input and output, {@code text} and
     * {@code audio} tokens, as the context of the next one. The store counts it with the next usage sent, and
     * {@link #turn} (if one may go with it) renews the grant in the same step.
     */
    public void spent(long cost, long text, long audio) {
        if (text + audio > 0) {
            contextText = text;
            contextAudio = audio;
        }
        if (asking) {
            spentWhileAsking += cost;
        } else {
            spent += cost;
        }
    }

    /**
     * The turn that renews the grant (all given back, a full response's worth asked again, never less than is still
     * held), to go with the usage sent now; null while one is on its way (the usage then only counts).
     */
    @Nullable
    public MoneyTurn turn() {
        if (asking) {
            return null;
        }
        asking = true;
        spentWhileAsking = 0;
        long keep = Math.max(0, reserved - spent);
        return new MoneyTurn(limits, model, reserved, reservedOn, 0,
                Math.max(promised + target(price, carried(), responseSize), keep));
    }

    /** The store reserved {@code granted} on {@code day} for the last turn; answers whether the purse is short. */
    public boolean granted(long granted, LocalDate day) {
        asking = false;
        reserved = Math.max(0, granted);
        reservedOn = day;
        spent = spentWhileAsking;
        spentWhileAsking = 0;
        return isShort();
    }

    /** The turn that gives everything back when the session ends; null when there is nothing (or one is asked). */
    @Nullable
    public MoneyTurn closing() {
        if (asking || reserved == 0) {
            return null;
        }
        asking = true;
        long all = reserved;
        reserved = 0;
        return new MoneyTurn(limits, model, all, reservedOn, 0, 0);
    }

    /** Whether a turn is on its way to the store. */
    public boolean asking() {
        return asking;
    }

    /**
     * What a request body of {@code bytes} bytes may cost as input, from above: a text token is at least a byte, and
     * audio or an image inlined in a body (base64) takes hundreds of bytes a token, so each byte is priced at the text
     * price, or at a hundredth of the audio price where that is dearer.
     */
    public static long body(Price price, long bytes) {
        return perMillion(bytes, Math.max(price.inputText(), Math.ceilDiv(price.inputAudio(), 100)));
    }

    /** {@code tokens} of input at the highest input price, rounded up. */
    public static long input(Price price, long tokens) {
        return perMillion(tokens, price.maxInputPerMillion());
    }

    /** {@code tokens} of output at the highest output price, rounded up. */
    public static long output(Price price, long tokens) {
        return perMillion(tokens, price.maxOutputPerMillion());
    }

    /** {@code seconds} at the per-minute price, rounded up. */
    static long minutes(Price price, long seconds) {
        return price.perMinute() == 0 ? 0 : ceil(BigInteger.valueOf(seconds).multiply(
                BigInteger.valueOf(price.perMinute())), BigInteger.valueOf(60));
    }

    private static long perMillion(long tokens, long rate) {
        return ceil(BigInteger.valueOf(Math.max(0, tokens)).multiply(BigInteger.valueOf(rate)), MILLION);
    }

    private static long ceil(BigInteger dividend, BigInteger divisor) {
        BigInteger q = dividend.add(divisor).subtract(BigInteger.ONE).divide(divisor);
        return q.min(BigInteger.valueOf(Price.MAX_COST)).longValue();
    }
}
