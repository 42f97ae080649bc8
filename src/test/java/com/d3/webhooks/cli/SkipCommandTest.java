package com.d3.webhooks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.testing.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class SkipCommandTest {

    @Test
    void skippingADeliveryThatIsNotFailedChangesNothingAndExitsOne() {
        TestDatabase.get().reset();
        StringWriter out = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        int code = cl.execute("skip", "--delivery", "999", "--database-url", TestDatabase.get().jdbcUrl());
        assertEquals(Main.FAILURE, code);
        assertTrue(out.toString().contains("delivery 999 not skipped: it is not failed"), out.toString());
    }

    @Test
    void aMissingDeliveryOptionIsAUsageError() {
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.USAGE, cl.execute("skip", "--database-url", TestDatabase.get().jdbcUrl()));
        assertTrue(err.toString().contains("Missing required option"), err.toString());
    }
}
