package com.d3.webhooks.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The URL arithmetic behind "created when missing" and the commands the demo prints. */
class DemoDatabaseTest {

    @Test
    void readsAndReplacesTheDatabaseName() {
        String url = "jdbc:postgresql://127.0.0.1:5432/outbox_demo?user=postgres";
        assertEquals("outbox_demo", DemoDatabase.databaseName(url));
        assertEquals("127.0.0.1:5432", DemoDatabase.hostAndPort(url));
        assertEquals("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres",
                DemoDatabase.withDatabaseName(url, "postgres"));
        assertEquals("jdbc:postgresql://db:5432/postgres", DemoDatabase.withDatabaseName("jdbc:postgresql://db:5432/x",
                "postgres"));
    }

    @Test
    void printsNoPassword() {
        assertEquals("jdbc:postgresql://db:5432/d?user=me&sslmode=require",
                DemoDatabase.withoutPassword("jdbc:postgresql://db:5432/d?user=me&password=s3cret&sslmode=require"));
    }

    @Test
    void givesPsqlOnlyTheParametersItUnderstands() {
        assertEquals("postgresql://db:5432/d?user=me&sslmode=require", DemoDatabase.psqlUri(
                "jdbc:postgresql://db:5432/d?user=me&password=s3cret&sslmode=require&ApplicationName=x", null));
        assertEquals("postgresql://db:5432/d?user=me", DemoDatabase.psqlUri("jdbc:postgresql://db:5432/d", "me"));
    }
}
