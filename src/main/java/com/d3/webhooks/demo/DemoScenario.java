package com.d3.webhooks.demo;

import com.d3.webhooks.tasks.CreatedMainTask;
import com.d3.webhooks.tasks.FileTaskTransition;
import com.d3.webhooks.tasks.MainTaskStatus;
import com.d3.webhooks.tasks.TaskLifecycle;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.jooq.DSLContext;

/**
 * The work the demo pretends to do: three operations whose file tasks finish so that every event
 * type occurs, each status change in its own transaction through {@link TaskLifecycle}:
 * <ul>
 * <li>"convert 2 invoices": both complete, the operation completes;</li>
 * <li>"convert 3 reports": two complete, one fails, the operation is partially completed;</li>
 * <li>"convert 2 scans": both fail, the operation fails.</li>
 * </ul>
 */
final class DemoScenario {

    /** A file task of the plan: its name, and the error it fails with (null: it completes). */
    private record FilePlan(String file, String error) {
    }

    private record TaskPlan(String label, List<FilePlan> files) {
    }

    private static final List<TaskPlan> PLANS = List.of(
            new TaskPlan("convert 2 invoices", List.of(
                    new FilePlan("invoice-1.pdf", null),
                    new FilePlan("invoice-2.pdf", null))),
            new TaskPlan("convert 3 reports", List.of(
                    new FilePlan("report-1.docx", null),
                    new FilePlan("report-2.docx", "unreadable file: report-2.docx is password-protected"),
                    new FilePlan("report-3.docx", null))),
            new TaskPlan("convert 2 scans", List.of(
                    new FilePlan("scan-1.tiff", "unsupported format: scan-1.tiff is a multi-page TIFF"),
                    new FilePlan("scan-2.tiff", "unsupported format: scan-2.tiff is a multi-page TIFF"))));

    /**
     * What the scenario left behind.
     *
     * @param tasks             the operations, in plan order
     * @param eventCount        outbox events written
     * @param partialOperationEvent the operation.completed event of the partially completed operation
     */
    record Outcome(List<DemoResult.Task> tasks, int eventCount, UUID partialOperationEvent) {
    }

    private DemoScenario() {
    }

    /** Each file task's finish is a span of {@code tracer}, current while its events are written. */
    static Outcome run(DSLContext dsl, String accountId, Tracer tracer) {
        TaskLifecycle.OwnTransactions lifecycle = new TaskLifecycle().inOwnTransactions(dsl);
        List<DemoResult.Task> tasks = new ArrayList<>();
        int events = 0;
        UUID partialOperationEvent = null;
        for (TaskPlan plan : PLANS) {
            CreatedMainTask created = lifecycle.createMainTask(accountId, plan.files().size());
            FileTaskTransition last = null;
            List<String> outcomes = new ArrayList<>();
            for (int i = 0; i < plan.files().size(); i++) {
                FilePlan file = plan.files().get(i);
                UUID fileTaskId = created.fileTaskIds().get(i);
                lifecycle.startFileTask(accountId, fileTaskId);
                int position = i;
                if (file.error() == null) {
                    last = traced(tracer, "complete file task",
                            () -> lifecycle.completeFileTask(accountId, fileTaskId, result(file.file(), position)));
                    outcomes.add(file.file() + " completed");
                } else {
                    last = traced(tracer, "fail file task",
                            () -> lifecycle.failFileTask(accountId, fileTaskId, file.error()));
                    outcomes.add(file.file() + " failed");
                }
                events += last.eventIds().size();
            }
            if (last.mainTaskStatus() == MainTaskStatus.PARTIALLY_COMPLETED) {
                partialOperationEvent = last.eventIds().get(1);
            }
            tasks.add(new DemoResult.Task(created.mainTaskId(), plan.label(), outcomes,
                    last.mainTaskStatus().sql(), last.counts().completed(), last.counts().failed(),
                    last.counts().total()));
        }
        return new Outcome(tasks, events, partialOperationEvent);
    }

    private static <T> T traced(Tracer tracer, String name, Supplier<T> work) {
        Span span = tracer.spanBuilder(name).startSpan();
        try (Scope current = span.makeCurrent()) {
            return work.get();
        } finally {
            span.end();
        }
    }

    private static ObjectNode result(String file, int position) {
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.put("file", file.replaceAll("\\.[a-z]+$", ".pdf"));
        result.put("pages", 3 + position * 4);
        return result;
    }
}
