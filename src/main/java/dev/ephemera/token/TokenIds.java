package dev.ephemera.token;

import dev.ephemera.error.BrokerException;
import java.util.regex.Pattern;

/** A token's handle as a path gives it: {@code tok_} and 24 letters and digits, else {@code 400 invalid_request}. */
public final class TokenIds {

    private static final Pattern TOKEN_ID = Pattern.compile("tok_[A-Za-z0-9]{24}");

    private TokenIds() {
    }

    public static String checked(String id) {
        if (!TOKEN_ID.matcher(id).matches()) {
            throw BrokerException.invalid("id", "A token id looks like tok_ followed by 24 letters and digits.");
        }
        return id;
    }
}
