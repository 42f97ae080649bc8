package com.d3.webhooks.cli;

import com.d3.webhooks.text.ControlCharacters;

/**
 * Text for the terminal on one line. Every value that came from outside the command (rows, a
 * receiver's answer, an exception's message) is printed through here or through a table, so a
 * control character in it is shown escaped, never acted on; --json keeps the exact text.
 */
final class Text {

    private Text() {
    }

    /** Runs of white space as one space, other control characters escaped; null stays null. */
    static String line(String s) {
        return s == null ? null : ControlCharacters.escape(s.replaceAll("\\s+", " "));
    }

    /**
     * As {@link #line}, without white space at either end, at most {@code max} characters, with
     * "..." when cut. (Not {@code trim()}: it would drop a leading ESC unseen.)
     */
    static String excerpt(String s, int max) {
        if (s == null) {
            return null;
        }
        return ControlCharacters.escape(s.replaceAll("^\\s+|\\s+$", "").replaceAll("\\s+", " "), max);
    }
}
