package dev.ephemera.relay.event;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the locked-field check must know of a provider's realtime protocol, kept in one place: which client events
 * carry session or response configuration (and under which key), which other client events are known, and which
 * configuration paths are two spellings of one setting (a locked {@code voice} must hold under the GA API's
 * {@code audio.output.voice} too).
 *
 * @param configEvents client event type -> the key of the configuration object it carries
 * @param plainEvents  client event types known to carry no configuration
 * @param aliases      groups of dotted paths that set the same thing
 */
public record RealtimeProtocol(Map<String, String> configEvents, Set<String> plainEvents,
        List<List<String>> aliases) {

    /**
     * OpenAI's realtime API (beta and GA field names), which Azure OpenAI and xAI speak too. {@code prompt} is an
     * alias of {@code instructions}: a stored prompt replaces the instructions.
     */
    public static final RealtimeProtocol OPENAI = new RealtimeProtocol(
            Map.of("session.update", "session", "transcription_session.update", "session",
                    "response.create", "response"),
            Set.of("input_audio_buffer.append", "input_audio_buffer.commit", "input_audio_buffer.clear",
                    "conversation.item.create", "conversation.item.retrieve", "conversation.item.truncate",
                    "conversation.item.delete", "response.cancel", "output_audio_buffer.clear"),
            List.of(List.of("instructions", "prompt"),
                    List.of("voice", "audio.output.voice"),
                    List.of("modalities", "output_modalities"),
                    List.of("input_audio_format", "audio.input.format"),
                    List.of("output_audio_format", "audio.output.format"),
                    List.of("turn_detection", "audio.input.turn_detection"),
                    List.of("input_audio_transcription", "audio.input.transcription"),
                    List.of("input_audio_noise_reduction", "audio.input.noise_reduction"),
                    List.of("speed", "audio.output.speed"),
                    List.of("max_response_output_tokens", "max_output_tokens")));

    /** Every provider with a realtime relay speaks OpenAI's protocol; a provider that does not gets its own. */
    public static RealtimeProtocol of(String provider) {
        return OPENAI;
    }

    /** {@code field} and the paths that set the same thing. */
    List<String> spellings(String field) {
        for (List<String> group : aliases) {
            if (group.contains(field)) {
                return group;
            }
        }
        return List.of(field);
    }
}
