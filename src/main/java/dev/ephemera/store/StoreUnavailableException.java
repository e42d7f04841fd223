package dev.ephemera.store;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;

/** The store could not be reached or did not answer in time. The broker fails closed: nothing is granted. */
public final class StoreUnavailableException extends BrokerException {

    public StoreUnavailableException() {
        super(ErrorCode.STORE_UNAVAILABLE, "The token store is unavailable; nothing was granted. Retry shortly.");
    }
}
