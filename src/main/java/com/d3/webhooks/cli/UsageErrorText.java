package com.d3.webhooks.cli;

/**
 * The text of an "unknown option" error without the values the operator typed. A mistyped option
 * name often comes with a secret as its value (a header, a signing secret), and stderr ends up in
 * CI logs and terminal recordings; the option names stay, so the error still says what is wrong.
 * A value that does not parse as its option's type (a number, a time) is still quoted: the options
 * that take secrets are plain text and their own checks never repeat the value.
 */
final class UsageErrorText {

    static final String HIDDEN = "(value not shown)";

    private UsageErrorText() {
    }

    /** {@code message} with every quoted argument value from {@code args} replaced. */
    static String withoutValues(String message, String[] args) {
        String text = message == null ? "" : message;
        for (String arg : args) {
            if (arg.isEmpty()) {
                continue;
            }
            int equals = arg.indexOf('=');
            if (arg.startsWith("-") && equals > 0) {
                text = text.replace(quoted(arg), quoted(arg.substring(0, equals + 1) + "…"));
                text = text.replace(quoted(arg.substring(equals + 1)), HIDDEN);
            } else if (!arg.startsWith("-")) {
                text = text.replace(quoted(arg), HIDDEN);
            }
        }
        return text;
    }

    private static String quoted(String s) {
        return "'" + s + "'";
    }
}
