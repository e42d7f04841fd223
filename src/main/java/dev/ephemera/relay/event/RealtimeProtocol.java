package dev.ephemera.relay.event;

import io.micronaut.core.annotation.Nullable;
import java.util.List;

/**
 * A realtime protocol as the relay must know it, in one place: how a client's message is judged against the token's
 * locked fields ({@link #judge}: which messages carry configuration, the spellings of each field), how the
 * provider's messages are read for responses and their usage ({@link #reader}), and whether each response can be
 * capped on its own or only the session's setting holds ({@link #capsEachResponse}). A third protocol is one more
 * implementation.
 */
public sealed interface RealtimeProtocol permits OpenAiProtocol, LiveProtocol {

    /** OpenAI's realtime API ({@code /v1/realtime}), which Azure OpenAI and xAI speak too. */
    OpenAiProtocol OPENAI = OpenAiProtocol.INSTANCE;
    /** Google's Live API ({@code BidiGenerateContent}): Gemini's Developer API and Vertex AI. */
    LiveProtocol GEMINI_LIVE = LiveProtocol.INSTANCE;

    /** The protocol's name, for logs and errors: {@code openai}, {@code gemini-live}. */
    String name();

    /** A judge of one session's client messages under {@code lockedFields} of {@code session} (strictly parsed). */
    ClientJudge judge(@Nullable Object session, List<String> lockedFields);

    /** A reader of one session's provider messages, joining fragments up to {@code frameLimit} bytes. */
    ServerEventReader reader(int frameLimit);

    /**
     * Whether each response the client asks for can be capped on its own (OpenAI: {@code response.create}'s
     * {@code max_output_tokens}); if not, one limit set when the session starts holds for every response.
     */
    boolean capsEachResponse();

    /** {@code field} and every path that sets the same thing in this protocol. */
    List<String> spellings(String field);

    /** Judges each client message of a session before it may reach the provider; no I/O. */
    interface ClientJudge {
        ClientEventFilter.Verdict judge(byte[] message);
    }

    /** Reads what a provider's messages say of responses, without changing or holding back a frame. */
    interface ServerEventReader {
        /** What the message this frame completes says of a response, or null. The frame is only read. */
        @Nullable
        ProviderEvents.ServerEvent read(io.netty.handler.codec.http.websocketx.WebSocketFrame frame);
    }
}
