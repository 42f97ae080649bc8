package com.d3.webhooks.text;

/**
 * Text from outside (a receiver's answer, a row a dashboard wrote, an exception's message) made
 * safe to print on a terminal. A terminal acts on control characters: ESC sequences move the
 * cursor, hide text ({@code ESC [8m}) or write the clipboard ({@code ESC ]52;c;...BEL}), and C1
 * characters do the same without the ESC; a bidi override makes text read other than it is stored.
 * Each such character is shown escaped instead: C0, DEL and C1 as {@code \x1b}, the bidi controls
 * as backslash-u and four hex digits (U+202E becomes backslash-u202e); everything else is kept.
 * Escaping twice changes nothing.
 */
public final class ControlCharacters {

    private static final String CUT = "...";

    private ControlCharacters() {
    }

    /** C0 (tab and line feed included), DEL, C1, and the bidi embeddings, overrides and isolates. */
    public static boolean isControl(int c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    }

    /** {@code s} with every control character escaped; null stays null. */
    public static String escape(String s) {
        return escape(s, Integer.MAX_VALUE);
    }

    /**
     * {@code s} with every control character escaped, at most {@code max} characters long (at
     * least 4): when longer it is cut, never inside an escape, and ends with "...". Null stays null.
     */
    public static String escape(String s, int max) {
        if (s == null || (s.length() <= max && s.chars().noneMatch(ControlCharacters::isControl))) {
            return s;
        }
        StringBuilder b = new StringBuilder(Math.min(s.length() + 16, max));
        int fits = 0;
        for (int i = 0; i < s.length() && b.length() <= max; i++) {
            char c = s.charAt(i);
            b.append(isControl(c) ? String.format(c <= 0xff ? "\\x%02x" : "\\u%04x", (int) c) : String.valueOf(c));
            // A cut between the two halves of a surrogate pair would leave half a character.
            if (!Character.isHighSurrogate(c) && b.length() <= max - CUT.length()) {
                fits = b.length();
            }
        }
        if (b.length() > max) {
            b.setLength(fits);
            b.append(CUT);
        }
        return b.toString();
    }
}
