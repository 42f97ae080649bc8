package com.d3.webhooks.demo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The demo's own database: {@value #DEFAULT_URL} unless the caller names another. It is created
 * when missing, from the server's {@code postgres} database, so the demo works on a server that
 * has only just been installed. When no server answers, the failure says how to start or
 * point to one.
 */
public final class DemoDatabase {

    public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/outbox_demo?user=postgres";
    /** How to start the local server installed by Debian's postgresql package. */
    public static final String START_COMMAND = "pg_ctlcluster --skip-systemctl-redirect 15 main start";
    /** Seconds to wait for a server to answer before giving the advice. */
    static final int CONNECT_TIMEOUT_SECONDS = 5;

    private static final String PREFIX = "jdbc:postgresql://";
    private static final String UNDEFINED_DATABASE = "3D000";
    private static final String DUPLICATE_DATABASE = "42P04";
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$-]{0,62}");
    /** Query parameters psql understands as well as the JDBC driver does. */
    private static final List<String> PSQL_PARAMETERS = List.of("user", "sslmode", "connect_timeout");

    private DemoDatabase() {
    }

    /**
     * Checks that the server answers and that the database exists, creating it when missing.
     *
     * @return true when this call created the database
     * @throws DemoException when no server answers or it refuses the login; the message says what to do
     */
    public static boolean ensureExists(String url, String user, String password) {
        try (Connection c = connect(url, user, password)) {
            return false;
        } catch (SQLException e) {
            if (!UNDEFINED_DATABASE.equals(e.getSQLState())) {
                throw explain(url, e);
            }
        }
        String name = databaseName(url);
        if (!PLAIN_NAME.matcher(name).matches()) {
            throw new DemoException("database '" + name + "' does not exist and the demo creates only plain names "
                    + "(letters, digits, '_'); create it yourself or pass another --database-url");
        }
        try (Connection c = connect(withDatabaseName(url, "postgres"), user, password);
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE \"" + name + "\"");
            return true;
        } catch (SQLException e) {
            if (DUPLICATE_DATABASE.equals(e.getSQLState())) {
                return false; // another demo created it a moment ago
            }
            throw new DemoException("database '" + name + "' does not exist on " + hostAndPort(url)
                    + " and could not be created (" + oneLine(e) + "); create it yourself or pass another "
                    + "--database-url", e);
        }
    }

    private static Connection connect(String url, String user, String password) throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("loginTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        return DriverManager.getConnection(url, props);
    }

    private static DemoException explain(String url, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("28")) {
            return new DemoException("PostgreSQL at " + hostAndPort(url) + " refused the login (" + oneLine(e)
                    + "); pass --database-url 'jdbc:postgresql://HOST:5432/outbox_demo?user=USER' with a user "
                    + "that may log in (and --database-password or OUTBOX_DATABASE_PASSWORD)", e);
        }
        if (state.startsWith("08") || e.getCause() instanceof java.io.IOException) {
            String why = rootCause(e) instanceof java.net.UnknownHostException ? "unknown host " + oneLine(e)
                    : oneLine(e);
            return new DemoException("cannot reach PostgreSQL at " + hostAndPort(url) + " (" + why
                    + "): start the local server with '" + START_COMMAND + "', or point to another with "
                    + "--database-url 'jdbc:postgresql://HOST:5432/outbox_demo?user=USER'", e);
        }
        return new DemoException("cannot use the database " + withoutPassword(url) + ": " + oneLine(e), e);
    }

    /** The database part of {@code jdbc:postgresql://host:port/db?params}. */
    public static String databaseName(String url) {
        String base = withoutQuery(url);
        int slash = base.indexOf('/', PREFIX.length());
        return slash < 0 ? "" : base.substring(slash + 1);
    }

    /** The same URL with another database. */
    public static String withDatabaseName(String url, String name) {
        String base = withoutQuery(url);
        int slash = base.indexOf('/', PREFIX.length());
        String server = slash < 0 ? base : base.substring(0, slash);
        return server + "/" + name + query(url);
    }

    /** {@code host:port} as written in the URL, for messages. */
    public static String hostAndPort(String url) {
        String base = withoutQuery(url);
        if (!base.startsWith(PREFIX)) {
            return base;
        }
        int slash = base.indexOf('/', PREFIX.length());
        return slash < 0 ? base.substring(PREFIX.length()) : base.substring(PREFIX.length(), slash);
    }

    /** The URL without a {@code password} parameter, to print. */
    public static String withoutPassword(String url) {
        return withoutQuery(url) + joinQuery(parameters(url).stream()
                .filter(p -> !p.toLowerCase().startsWith("password="))
                .toList());
    }

    /**
     * The libpq URI for psql: the JDBC URL without {@code jdbc:}, keeping only the parameters
     * psql knows, with the user added when it was given apart.
     */
    public static String psqlUri(String url, String user) {
        List<String> kept = new ArrayList<>();
        for (String p : parameters(url)) {
            String name = p.contains("=") ? p.substring(0, p.indexOf('=')) : p;
            if (PSQL_PARAMETERS.contains(name)) {
                kept.add(p);
            }
        }
        if (user != null && kept.stream().noneMatch(p -> p.startsWith("user="))) {
            kept.add("user=" + user);
        }
        return withoutQuery(url).substring("jdbc:".length()) + joinQuery(kept);
    }

    private static String withoutQuery(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    private static String query(String url) {
        int q = url.indexOf('?');
        return q < 0 ? "" : url.substring(q);
    }

    private static List<String> parameters(String url) {
        String q = query(url);
        List<String> out = new ArrayList<>();
        if (q.length() > 1) {
            for (String p : q.substring(1).split("&")) {
                if (!p.isEmpty()) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    private static String joinQuery(List<String> parameters) {
        return parameters.isEmpty() ? "" : "?" + String.join("&", parameters);
    }

    private static Throwable rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    static String oneLine(Throwable e) {
        Throwable root = rootCause(e);
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.replaceAll("\\s+", " ").trim();
    }
}
