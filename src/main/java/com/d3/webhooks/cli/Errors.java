package com.d3.webhooks.cli;

import java.sql.SQLException;

/** Turns an exception into the one line an operator needs. */
final class Errors {

    private Errors() {
    }

    static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        message = Text.line(message).trim();
        if (root instanceof java.net.ConnectException
                || (root instanceof SQLException s && "08001".equals(s.getSQLState()))) {
            return "cannot reach the database (" + message + "); check --database-url / OUTBOX_DATABASE_URL "
                    + "and that PostgreSQL is running";
        }
        return message;
    }
}
