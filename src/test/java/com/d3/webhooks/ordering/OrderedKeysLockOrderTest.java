package com.d3.webhooks.ordering;

import com.d3.webhooks.ordering.OrderedKeys;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one global order every transaction takes per-key locks in, whatever order it met the keys. */
class OrderedKeysLockOrderTest {

    @Test
    void locksAreDistinctAndInOneOrderWhateverTheInputOrder() {
        var a = new OrderedKeys.Key(2, "task-1");
        var b = new OrderedKeys.Key(1, "task-9");
        var c = new OrderedKeys.Key(1, "task-2");
        long[] forward = OrderedKeys.lockOrder(List.of(a, b, c, a));
        long[] backward = OrderedKeys.lockOrder(List.of(c, b, a));
        assertArrayEquals(forward, backward);
        assertEquals(3, forward.length);
        for (int i = 1; i < forward.length; i++) {
            assertEquals(true, forward[i - 1] < forward[i], "ascending");
        }
        assertEquals(1, forward[0] >> 32, "endpoint 1's keys first");
        assertEquals(2, forward[2] >> 32);
    }

    @Test
    void keysWithTheSameHashShareOneLock() {
        // "Aa" and "BB" have the same String hash: one lock, taken once, covers both.
        long[] locks = OrderedKeys.lockOrder(List.of(new OrderedKeys.Key(7, "Aa"), new OrderedKeys.Key(7, "BB")));
        assertEquals(1, locks.length);
        assertEquals("Aa".hashCode(), (int) locks[0]);
    }
}
