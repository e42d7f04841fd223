package dev.ephemera.relay;

/**
 * What a client's realtime event adds to the input of the responses after it, in tokens, estimated from above for
 * a session's money ({@link MoneyPurse}): audio appended at one token per {@link MoneyPurse#AUDIO_BYTES_PER_TOKEN}
 * decoded bytes (base64 carries three bytes in four characters), anything else that can bring content (items,
 * instructions, tools) at one token per byte of the event, which no tokenizer exceeds. Events that bring nothing
 * to the conversation add nothing.
 */
final class ClientAdditions {

    private ClientAdditions() {
    }

    /** The tokens a {@code type} event of {@code bytes} bytes may add. */
    static long tokens(String type, long bytes) {
        return switch (type) {
            case "input_audio_buffer.append" -> bytes * 3 / 4 / MoneyPurse.AUDIO_BYTES_PER_TOKEN + 1;
            case "conversation.item.create", "session.update", "response.create" -> bytes;
            default -> 0;
        };
    }
}
