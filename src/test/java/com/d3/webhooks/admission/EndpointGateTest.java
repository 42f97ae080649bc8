package com.d3.webhooks.admission;

import com.d3.webhooks.admission.EndpointGate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.d3.webhooks.admission.EndpointGate.Admission;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-endpoint cap's arithmetic alone, on a clock of its own (nanoseconds passed in). */
class EndpointGateTest {

    private static final long MS = 1_000_000L;
    private final EndpointGate<String> gate = new EndpointGate<>();

    @Test
    void upToTheCapStartsThenAnEndpointOfUnknownPaceQueuesAndEachFinishHandsOver() {
        assertEquals(Admission.START, gate.admit(1, 2, true, "a", 0));
        assertEquals(Admission.START, gate.admit(1, 2, true, "b", 0));
        assertEquals(Admission.QUEUED, gate.admit(1, 2, true, "c", 0));
        assertEquals(Admission.QUEUED, gate.admit(1, 2, true, "d", 0));
        assertEquals(Admission.START, gate.admit(2, 2, true, "other endpoint", 0));
        assertEquals("c", gate.finished(1, 5 * MS));
        assertEquals("d", gate.finished(1, 6 * MS));
        assertNull(gate.finished(1, 7 * MS));
        assertNull(gate.finished(1, 8 * MS));
        assertEquals(Admission.START, gate.admit(1, 2, true, "e", 9 * MS), "the endpoint's slots are free again");
    }

    @Test
    void aQueueThatWouldNotDrainWithinASecondAtTheEndpointsPaceIsRefused() {
        gate.admit(1, 1, true, "a", 0);
        gate.admit(1, 1, true, "b", 0);
        gate.admit(1, 1, true, "c", 0);
        assertEquals("b", gate.finished(1, 400 * MS));
        assertEquals("c", gate.finished(1, 800 * MS)); // one interval known: 400 ms between finishes
        assertEquals(Admission.QUEUED, gate.admit(1, 1, true, "d", 800 * MS), "400 ms ahead of it");
        assertEquals(Admission.QUEUED, gate.admit(1, 1, true, "e", 800 * MS), "800 ms ahead of it");
        assertEquals(Admission.BUSY, gate.admit(1, 1, true, "f", 800 * MS), "1.2 s ahead of it");
    }

    @Test
    void anEndpointWithASharedVerdictNeverQueues() {
        gate.admit(1, 1, false, "a", 0);
        assertEquals(Admission.BUSY, gate.admit(1, 1, false, "b", 0));
    }

    @Test
    void anEndpointThatFinishesNothingForASecondGivesItsQueueBackAndIsRefused() {
        gate.admit(1, 1, true, "a", 0);
        gate.admit(1, 1, true, "b", 0);
        gate.admit(1, 1, true, "c", 0);
        assertEquals(List.of(), gate.stalled(900 * MS));
        assertEquals(List.of("b", "c"), gate.stalled(1_100 * MS));
        assertEquals(Admission.BUSY, gate.admit(1, 1, true, "d", 1_100 * MS));
        assertEquals(Duration.ofSeconds(1), gate.busyDelay(1, 500 * MS, Duration.ofSeconds(15)),
                "at least a second");
        assertEquals(Duration.ofSeconds(4), gate.busyDelay(1, 4_000 * MS, Duration.ofSeconds(15)),
                "as long as it has stalled");
        assertEquals(Duration.ofSeconds(15), gate.busyDelay(1, 60_000 * MS, Duration.ofSeconds(15)),
                "at most the request timeout");
    }

    @Test
    void aCancelledStartHandsItsSlotToTheQueue() {
        gate.admit(1, 1, true, "a", 0);
        gate.admit(1, 1, true, "b", 0);
        assertEquals("b", gate.cancel(1));
        assertNull(gate.cancel(1));
        assertEquals(List.of(), gate.drainQueued());
    }
}
