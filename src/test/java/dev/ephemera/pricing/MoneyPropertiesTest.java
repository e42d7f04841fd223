package dev.ephemera.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;

/** SPEC §11: amounts written are read back the same, and nothing read is rounded. */
class MoneyPropertiesTest {

    @Property
    void whatIsWrittenReadsBackTheSame(@ForAll @LongRange(min = 0, max = Money.MAX_MICROS) long micros) {
        assertThat(Money.parse(Money.format(micros))).isEqualTo(micros);
    }

    @Property
    void aSeventhFractionDigitIsRefusedNeverRounded(@ForAll @LongRange(min = 0, max = Money.MAX_MICROS) long micros,
            @ForAll @LongRange(min = 1, max = 9) long seventh) {
        assertThatThrownBy(() -> Money.parse(Money.format(micros) + seventh))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Property
    void anyTextReadsAsItsExactValueOrIsRefusedWithoutBeingRepeated(@ForAll @StringLength(max = 40)
            @Chars({'0', '1', '5', '9', '.', '-', '+', 'e', ' '}) String text) {
        try {
            long micros = Money.parse(text);
            assertThat(new BigDecimal(text).movePointRight(6).longValueExact()).isEqualTo(micros);
        } catch (IllegalArgumentException refused) {
            // One of Money's own sentences, never the text it was given.
            assertThat(refused.getMessage()).isIn("not a plain decimal amount of dollars",
                    "more than six fraction digits", "more than 1000000000.000000 dollars");
        }
    }
}
