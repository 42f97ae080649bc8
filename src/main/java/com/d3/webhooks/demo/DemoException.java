package com.d3.webhooks.demo;

/** Why the demo could not run or did not end well, in one line that says what to do. */
public final class DemoException extends RuntimeException {

    public DemoException(String message) {
        super(message);
    }

    public DemoException(String message, Throwable cause) {
        super(message, cause);
    }
}
