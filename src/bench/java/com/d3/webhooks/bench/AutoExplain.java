package com.d3.webhooks.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.List;

/**
 * Plans of statements that run inside a function, where EXPLAIN cannot reach: PostgreSQL's
 * auto_explain sends them to the session as notices. Diagnostics for bin/bench and the tests;
 * LOAD needs a superuser session.
 */
public final class AutoExplain {

    private AutoExplain() {
    }

    /**
     * Until the end of the current transaction (autocommit off), every statement's plan, nested
     * ones included, with actual times and buffers, comes back as a notice on its statement.
     */
    public static void enableForTransaction(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("LOAD 'auto_explain'");
            for (String setting : List.of("log_min_duration = 0", "log_analyze = on", "log_buffers = on",
                    "log_nested_statements = on", "log_level = notice")) {
                s.execute("SET LOCAL auto_explain." + setting);
            }
        }
    }

    /**
     * The notice of an executed statement that explains the statement whose text contains
     * {@code queryText}: "duration: … ms  plan:", "Query Text: …", then the plan.
     */
    public static String planOf(Statement executed, String queryText) throws SQLException {
        for (SQLWarning w = executed.getWarnings(); w != null; w = w.getNextWarning()) {
            if (w.getMessage().contains("Query Text: " + queryText)) {
                return w.getMessage();
            }
        }
        throw new SQLException("auto_explain sent no plan of a statement starting \"" + queryText + "\"");
    }
}
