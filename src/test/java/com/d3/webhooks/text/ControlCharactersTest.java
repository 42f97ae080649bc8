package com.d3.webhooks.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class ControlCharactersTest {

    @Test
    void escapesC0DelC1AndBidiControlsAndKeepsEverythingElse() {
        assertEquals("\\x00\\x07\\x09\\x0a\\x1b\\x1f \\x7f\\x80\\x9b\\x9f\u00a0",
                ControlCharacters.escape("\u0000\u0007\t\n\u001b\u001f \u007f\u0080\u009b\u009f\u00a0"));
        assertEquals("\\u202a\\u202e\\u2066\\u2069\u2029\u200b",
                ControlCharacters.escape("\u202a\u202e\u2066\u2069\u2029\u200b"));
        String kept = "Grüße, 日本 \uD83D\uDE00 https://x.example/?a=b\\x1b";
        assertSame(kept, ControlCharacters.escape(kept));
        assertNull(ControlCharacters.escape(null));
    }

    @Test
    void escapingTwiceChangesNothing() {
        String once = ControlCharacters.escape("\u001b]52;c;aGk=\u0007\u202e");
        assertEquals(once, ControlCharacters.escape(once));
    }

    @Test
    void aCutKeepsWithinTheLimitAndNeverSplitsAnEscapeOrACharacter() {
        assertEquals("\\x1babcdef", ControlCharacters.escape("\u001babcdef", 10), "fits exactly: not cut");
        assertEquals("\\x1babc...", ControlCharacters.escape("\u001babcdefg", 10));
        assertEquals("ab...", ControlCharacters.escape("ab\u001bcdef", 7), "not ab\\x...");
        assertEquals("abcd...", ControlCharacters.escape("abcdefghij", 7));
        assertEquals("abcd...", ControlCharacters.escape("abcd\uD83D\uDE00\uD83D\uDE00x", 8), "no half emoji");
    }
}
