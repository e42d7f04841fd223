package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bookkeeping behind "while one is outstanding, the next is capped" (SPEC §7). */
class OutstandingResponsesTest {

    private static OutstandingResponses.Share share(long cap) {
        return new OutstandingResponses.Share(cap, cap * 10);
    }

    @Test
    void eachResponseKeepsItsMoneyPromiseUntilItIsDoneOrRefused() {
        OutstandingResponses out = new OutstandingResponses();
        out.requested("e1", share(5), true);
        out.requested("e2", share(7), true);
        assertThat(out.refused("e2").promise()).isEqualTo(70);
        assertThat(out.created("resp_a", () -> share(99))).as("the request's, not one of its own").isFalse();
        assertThat(out.done("resp_a").promise()).isEqualTo(50);
        assertThat(out.created("resp_vad", () -> share(3))).isTrue();
        assertThat(out.done("resp_vad")).isEqualTo(share(3));
        assertThat(out.done("none")).isEqualTo(OutstandingResponses.Share.NONE);
    }

    @Test
    void aRequestIsReservedFromForwardedToDone() {
        OutstandingResponses out = new OutstandingResponses();
        out.requested("e1", share(100), true);
        out.requested("e2", share(30), true);
        assertThat(out.count()).isEqualTo(2);
        assertThat(out.reserved()).isEqualTo(130);
        out.created("resp_a", () -> share(999));
        assertThat(out.reserved()).as("the oldest request's cap, not the provider's own").isEqualTo(130);
        out.done("resp_a");
        assertThat(out.count()).isEqualTo(1);
        assertThat(out.reserved()).isEqualTo(30);
    }

    @Test
    void aResponseTheProviderStartsItselfReservesTheSessionsLimit() {
        OutstandingResponses out = new OutstandingResponses();
        out.created("resp_vad", () -> share(40));
        assertThat(out.count()).isEqualTo(1);
        assertThat(out.reserved()).isEqualTo(40);
        out.created("resp_vad", () -> share(40));
        assertThat(out.reserved()).as("a created seen twice counts once").isEqualTo(40);
        out.done("resp_vad");
        assertThat(out.reserved()).isZero();
        assertThat(out.count()).isZero();
    }

    @Test
    void aRefusedRequestIsGivenBackAndOnlyThatOne() {
        OutstandingResponses out = new OutstandingResponses();
        out.requested("e1", share(10), true);
        out.requested("e2", share(20), true);
        out.refused("e2");
        assertThat(out.reserved()).isEqualTo(10);
        out.refused("unknown");
        assertThat(out.reserved()).isEqualTo(10);
        assertThat(out.count()).isEqualTo(1);
    }

    @Test
    void aDoneWithoutACreatedEndsTheOldestRequest() {
        OutstandingResponses out = new OutstandingResponses();
        out.requested("e1", share(10), true);
        out.requested("e2", share(20), true);
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
        out.requested("A", share(100), true);
        assertThat(out.clash("B")).isFalse();
        assertThat(out.clash("A")).as("an item sent under the request's id").isTrue();
        out.refused("A");
        assertThat(out.reserved()).as("the error may be about the item").isEqualTo(100);
        out.requested("B", share(50), false);
        out.refused("B");
        assertThat(out.reserved()).as("a request that came under a clashing id").isEqualTo(150);
    }
}
