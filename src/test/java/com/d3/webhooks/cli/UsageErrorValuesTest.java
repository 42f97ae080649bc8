package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A mistyped option name often carries a secret (a header value, a signing secret) as its value;
 * the "unknown option" error names the option and never repeats the values, because stderr ends
 * up in CI logs and terminal recordings.
 */
class UsageErrorValuesTest {

    private static final String SECRET = "whsec_TOPSECRETc2VjcmV0";

    @Test
    void anUnknownOptionIsNamedButItsValueIsNotRepeated() {
        Cli.Result r = Cli.runWithoutDatabase("endpoints", "add", "--account", "a", "--url", "https://x.example",
                "--secrt", SECRET);
        assertEquals(Main.USAGE, r.exit(), r.toString());
        assertTrue(r.err().contains("'--secrt'"), r.toString());
        assertFalse(r.err().contains("TOPSECRET"), r.toString());
    }

    @Test
    void anUnknownOptionWithAnEqualsSignKeepsItsNameOnly() {
        Cli.Result r = Cli.runWithoutDatabase("endpoints", "add", "--account", "a", "--url", "https://x.example",
                "--secrt=" + SECRET);
        assertEquals(Main.USAGE, r.exit(), r.toString());
        assertTrue(r.err().contains("--secrt"), r.toString());
        assertFalse(r.err().contains("TOPSECRET"), r.toString());
    }

    @Test
    void anUnexpectedPositionalArgumentIsNotRepeated() {
        Cli.Result r = Cli.runWithoutDatabase("stats", SECRET);
        assertEquals(Main.USAGE, r.exit(), r.toString());
        assertFalse(r.err().contains("TOPSECRET"), r.toString());
    }
}
