package dev.ephemera.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RFC 7239's grammar as {@link ForwardedElements} reads it: each row is a {@code Forwarded} value and the
 * {@code for} node of each element ({@code |} between elements, {@code -} for none), or {@code BAD}.
 */
class ForwardedElementsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '>', quoteCharacter = '`', value = {
        "for=203.0.113.7 > 203.0.113.7",
        "for=a;by=z;host=A;proto=Z09 > a",
        "by=azAZ09!#$%&'*+-.^_`|~ > -",
        "`for=\"[2001:db8::9]:4711\"` > [2001:db8::9]:4711",
        "`for=\"203.0.113.\\7\"` > 203.0.113.7",
        "`for=\"a\\\\b\"` > a\\b",
        "`for=\"a,b;c\", for=d` > a,b;c|d",
        "`for=\"tab\there\"` > tab\there",
        "for=a , for=b > a|b",
        "for=a ;by=b , by=c > a|-",
        " for=a,for=b  > a|b",
        "for=a,\tfor=b > a|b",
        "FOR=a;By=b > a",
        "`for=\"\"` > ``",
        "`for=\"abc` > BAD",
        "`for=\"abc\\` > BAD",
        "`for=\"a\u0001b\"` > BAD",
        "`for=\"a\u007fb\"` > BAD",
        "`for=\"a\u001fb\"` > BAD",
        "`for=\"a\u0001` > BAD",
        "=a > BAD",
        "for= > BAD",
        "for > BAD",
        "for=a;for=b > BAD",
        "for=a;For=b > BAD",
        "for=a; > BAD",
        "for=a, > BAD",
        "for=a b > BAD",
        "for=a;; by=b > BAD",
        "for=a@b > BAD",
        "for=[2001:db8::1] > BAD",
        "for=\u00e9 > BAD",
        "for=a{ > BAD",
        "for=a\" > BAD",
        "``> BAD",
    })
    void readsEachElementsForNode(String header, String expected) {
        Optional<List<String>> nodes = ForwardedElements.forNodes(header);
        if (expected.equals("BAD")) {
            assertThat(nodes).as(header).isEmpty();
        } else {
            assertThat(nodes).as(header).hasValue(Arrays.stream(expected.split("\\|", -1))
                    .map(n -> n.equals("-") ? "" : n).toList());
        }
    }
}
