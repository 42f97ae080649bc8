package com.d3.webhooks.cli;

/** Short one-line forms of long text for tables. */
final class Text {

    private Text() {
    }

    /** At most {@code max} characters on one line, with "..." when cut; null stays null. */
    static String excerpt(String s, int max) {
        if (s == null) {
            return null;
        }
        String one = s.replaceAll("\\s+", " ").trim();
        return one.length() <= max ? one : one.substring(0, max - 3) + "...";
    }
}
