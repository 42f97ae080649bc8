package com.d3.webhooks.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
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
     * The connection as the product's own code should use it, keeping the notices of every
     * statement made through it when that statement is closed: the plans of statements the
     * product prepares, runs and closes itself (e.g. {@code OrderedKeys.promoteHeads}).
     */
    public static Connection recording(Connection c, List<String> notices) {
        return (Connection) Proxy.newProxyInstance(AutoExplain.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    Object result = call(method, c, args);
                    return result instanceof Statement s ? recording(s, method.getReturnType(), notices) : result;
                });
    }

    private static Object recording(Statement s, Class<?> type, List<String> notices) {
        return Proxy.newProxyInstance(AutoExplain.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    if (method.getName().equals("close") && !s.isClosed()) {
                        for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                            notices.add(w.getMessage());
                        }
                    }
                    return call(method, s, args);
                });
    }

    private static Object call(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /**
     * The notice that explains the statement whose text contains {@code queryText}: "duration: …
     * ms  plan:", "Query Text: …", then the plan.
     */
    public static String planOf(List<String> notices, String queryText) throws SQLException {
        for (String notice : notices) {
            if (notice.contains("Query Text: " + queryText)) {
                return notice;
            }
        }
        throw new SQLException("auto_explain sent no plan of a statement starting \"" + queryText + "\"");
    }
}
