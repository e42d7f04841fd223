package dev.ephemera.secret;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PrefixedSecretTest {

    private static final PrefixedSecret FORMAT = new PrefixedSecret("eph_", Secrets.SECRET_CHARS);

    @Test
    void generatedSecretsAreWellFormedAndDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String s = FORMAT.generate("");
            assertThat(s).hasSize(FORMAT.length()).startsWith("eph_");
            assertThat(FORMAT.body(s)).hasSize(Secrets.SECRET_CHARS);
            assertThat(seen.add(s)).isTrue();
        }
    }

    @Test
    void keepsTheFixedStartOfTheBody() {
        String s = new PrefixedSecret("ephk_", 59).generate("ABCDEFGHIJKLMNOP");
        assertThat(s).startsWith("ephk_ABCDEFGHIJKLMNOP").hasSize(70);
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void refusesMalformedCandidatesWithoutALookup(String candidate) {
        assertThat(FORMAT.body(candidate)).isNull();
    }

    static Stream<String> malformed() {
        String good = FORMAT.generate("");
        char last = good.charAt(good.length() - 1);
        char middle = good.charAt(20);
        return Stream.of(
                good.substring(0, good.length() - 1) + (last == 'A' ? 'B' : 'A'),
                good.substring(0, 20) + (middle == 'x' ? 'y' : 'x') + good.substring(21),
                good.substring(1),
                good + "A",
                "EPH_" + good.substring(4),
                good.substring(0, 10) + "-" + good.substring(11),
                "",
                "eph_");
    }

    @Test
    void randomCharactersUseTheWholeAlphabetEvenly() {
        int[] counts = new int[128];
        String sample = Secrets.randomBase62(62_000);
        sample.chars().forEach(c -> counts[c]++);
        for (char c : Secrets.ALPHABET.toCharArray()) {
            assertThat(counts[c]).as("count of %s", c).isBetween(800, 1200);
        }
    }
}
