package dev.ephemera.relay.event;

import io.micronaut.core.annotation.Nullable;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's realtime protocol (beta and GA field names), which Azure OpenAI and xAI speak too: which client events
 * carry session or response configuration (and under which key), which other client events are known, and which
 * configuration paths are two spellings of one setting (a locked {@code voice} must hold under the GA API's
 * {@code audio.output.voice} too). Each client event names its {@code type}; each response is asked for
 * ({@code response.create}) and capped on its own; the provider reports {@code response.done} with its usage.
 *
 * @param configEvents client event type -> the key of the configuration object it carries
 * @param plainEvents  client event types known to carry no configuration
 * @param aliases      groups of dotted paths that set the same thing
 */
public record OpenAiProtocol(Map<String, String> configEvents, Set<String> plainEvents,
        List<List<String>> aliases) implements RealtimeProtocol {

    /** {@code prompt} is an alias of {@code instructions}: a stored prompt replaces the instructions. */
    static final OpenAiProtocol INSTANCE = new OpenAiProtocol(
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

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public ClientJudge judge(@Nullable Object session, List<String> lockedFields) {
        return new ClientEventFilter(this, session, lockedFields);
    }

    @Override
    public ServerEventReader reader(int frameLimit) {
        return new ProviderEvents(frameLimit);
    }

    @Override
    public boolean capsEachResponse() {
        return true;
    }

    @Override
    public List<String> spellings(String field) {
        for (List<String> group : aliases) {
            if (group.contains(field)) {
                return group;
            }
        }
        return List.of(field);
    }
}
