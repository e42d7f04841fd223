package dev.ephemera.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** SPEC §11: dollars as whole micro-dollars, read from plain decimals exactly and written with six digits. */
class MoneyTest {

    @ParameterizedTest
    @CsvSource({"0.50, 500000", "2, 2000000", "0, 0", "0.000001, 1", "4.00, 4000000", "0.011200, 11200",
        "16.000001, 16000001", "00.10, 100000", "0.100000000, 100000", "1000000000, 1000000000000000",
        "999999999.999999, 999999999999999"})
    void readsPlainDecimalsExactly(String usd, long micros) {
        assertThat(Money.parse(usd)).isEqualTo(micros);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0000001", "1e3", "1E3", "-1", "+1", "", " 1", "1 ", "1.", ".5", "1.5.2", "1,50",
        "0x10", "NaN", "Infinity", "1000000000.000001", "1000000001", "123456789012345678901234567890123",
        "0.00000000000000000000000000000001"})
    void refusesWhatIsNotAPlainAmountOfAtMostSixFractionDigits(String usd) {
        assertThatThrownBy(() -> Money.parse(usd)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({"11200, 0.011200", "0, 0.000000", "1, 0.000001", "1000000, 1.000000",
        "1000000000000000, 1000000000.000000"})
    void writesSixFractionDigits(long micros, String usd) {
        assertThat(Money.format(micros)).isEqualTo(usd);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-0.5", "1000000000.5", "0.0000005"})
    void refusesNumbersOutsideTheRulesAsWell(String usd) {
        assertThatThrownBy(() -> Money.micros(new BigDecimal(usd))).isInstanceOf(IllegalArgumentException.class);
    }
}
