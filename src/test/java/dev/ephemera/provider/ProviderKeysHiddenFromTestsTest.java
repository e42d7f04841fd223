package dev.ephemera.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.TestEnvironment;
import org.junit.jupiter.api.Test;

/** A provider added to the presets has its key variable hidden from the tests too (SPEC §9). */
class ProviderKeysHiddenFromTestsTest {

    @Test
    void everyPresetsKeyVariableIsHiddenFromTheTests() {
        assertThat(ProviderPreset.ALL.values()).isNotEmpty()
                .allSatisfy(preset -> assertThat(TestEnvironment.hidden(preset.keyEnv())).as(preset.keyEnv()).isTrue());
    }
}
