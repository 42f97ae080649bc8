package com.d3.webhooks.outbox;

import java.util.regex.Pattern;

/** The event types this service knows, and the shape any event type must have. */
public final class EventTypes {

    public static final String FILE_TASK_COMPLETED = "fileTask.completed";
    public static final String FILE_TASK_FAILED = "fileTask.failed";
    public static final String OPERATION_COMPLETED = "operation.completed";
    public static final String OPERATION_FAILED = "operation.failed";
    /** Sent by {@code outbox endpoints test}: written to the outbox already routed, with one delivery. */
    public static final String ENDPOINT_TEST = "endpoint.test";
    /** Written by the worker when it disables an endpoint, so the account can be told. */
    public static final String ENDPOINT_DISABLED = "endpoint.disabled";

    /**
     * Dot-separated names of letters, digits and underscores, each starting with a letter, at
     * least two parts, at most 200 characters: {@code fileTask.completed}, {@code operation.failed}.
     */
    public static final Pattern SHAPE = Pattern.compile("[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)+");
    public static final int MAX_LENGTH = 200;

    private EventTypes() {
    }

    public static boolean isWellFormed(String type) {
        return type != null && type.length() <= MAX_LENGTH && SHAPE.matcher(type).matches();
    }

    /** A reason the type is not usable, or null when it is. */
    public static String problem(String type) {
        if (type == null || type.isEmpty()) {
            return "event type is empty";
        }
        if (!isWellFormed(type)) {
            return "event type '" + abbreviate(type) + "' is malformed: expected dot-separated names such as "
                    + "'fileTask.completed' (letters, digits, '_'; at most " + MAX_LENGTH + " characters)";
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
