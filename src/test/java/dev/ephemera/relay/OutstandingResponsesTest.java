package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bookkeeping behind "while one is outstanding, the next is capped" (SPEC §7). */
class OutstandingResponsesTest {

    @Test
    void aRequestIsReservedFromForwardedToDone() {
        OutstandingResponses out = new OutstandingResponses();
        out.requested("e1", 100, true);
        out.requested("e2", 30, true);
        assertThat(out.count()).isEqualTo(2);
        assertThat(out.reserved()).isEqualTo(130);
        out.created("resp_a", 999);
        assertThat(out.reserved()).as("the oldest request's cap, not the provider's own").isEqualTo(130);
        out.done("resp_a");
        assertThat(out.count()).isEqualTo(1);
        assertThat(out.reserved()).isEqualTo(30);
    }

    @Test
    void aResponseTheProviderStartsItselfReservesTheSessionsLimit() {
        OutstandingResponses out = new OutstandingResponses();
        out.created("resp_vad", 40);
        assertThat(out.count()).isEqualTo(1);
        assertThat(out.reserved()).isEqualTo(40);
        out.created("resp_vad", 40);
        assertThat(out.reserved()).as("a created seen twice counts once").isEqualTo(40);
        out.done("resp_vad");
        assertThat(out.reserved()).isZero();
        assertThat(out.count()).isZero();
    }

    @Test
    void aRefusedRequestIsGivenBackAndOnlyThatOne() {
        OutstandingResponses out = new OutstandingResponses();
        out.requested("e1", 10, true);
        out.requested("e2", 20, true);
        out.refused("e2");
        assertThat(out.reserved()).isEqualTo(10);
        out.refused("unknown");
        assertThat(out.reserved()).isEqualTo(10);
        assertThat(out.count()).isEqualTo(1);
    }

    @Test
    void aDoneWithoutACreatedEndsTheOldestRequest() {
        OutstandingResponses out = new OutstandingResponses();
        out.requested("e1", 10, true);
        out.requested("e2", 20, true);
        out.done("never-created");
        assertThat(out.reserved()).isEqualTo(20);
        out.done("again");
        out.done("and-again");
        assertThat(out.reserved()).as("nothing below zero").isZero();
        assertThat(out.count()).isZero();
    }

    @Test
    void anErrorNamingAnIdTheClientUsedForAnotherEventGivesNothingBack() {
        OutstandingResponses out = new OutstandingResponses();
        out.requested("A", 100, true);
        assertThat(out.clash("B")).isFalse();
        assertThat(out.clash("A")).as("an item sent under the request's id").isTrue();
        out.refused("A");
        assertThat(out.reserved()).as("the error may be about the item").isEqualTo(100);
        out.requested("B", 50, false);
        out.refused("B");
        assertThat(out.reserved()).as("a request that came under a clashing id").isEqualTo(150);
    }
}
