package com.d3.webhooks.bench;

import com.d3.webhooks.delivery.WorkerConfig;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The registry of {@code bin/bench}'s scenarios: each one a name, the rows of the table it fills
 * and how one run of each row is made (by {@link ScenarioRuns}). A new scenario is one more entry
 * in {@link #ALL}; {@link Bench} runs whichever are selected, in this order.
 */
final class Scenarios {

    /**
     * A named unit of the bench. Scenarios of the same {@code round} (and the rows of one scenario)
     * alternate run by run, so that a change in the machine's load hits them alike.
     *
     * @param rows the rows it measures, for the options of this bench run
     */
    record Scenario(String name, String round, Function<ScenarioRuns, List<Row>> rows) {

        Scenario(String name, Function<ScenarioRuns, List<Row>> rows) {
            this(name, name, rows);
        }
    }

    /** One row of the table: its name and description, and how run number {@code n} of it is made. */
    record Row(String name, String description, IntFunction<RunResult> run) {
    }

    /** What the drain-cap-lifted scenario changes from the worker's defaults. */
    static final List<String> CAP_LIFTED = List.of("--max-in-flight-per-endpoint", "1024");
    static final int FAN_OUT_ENDPOINTS = 10;
    private static final String DRAINS = "drain scenarios";

    static final List<Scenario> ALL = List.of(
            new Scenario("drain", DRAINS, s -> List.of(new Row("drain", "N events enqueued through "
                    + "Outbox.insert (500 per transaction) to one endpoint, drained by one worker process with "
                    + "--exit-when-idle", n -> s.drain("drain-" + n, s.settings().events(), 1, true)))),
            new Scenario("drain-cap-lifted", DRAINS, s -> List.of(new Row("drain-cap-lifted", "the same drain, but "
                    + "the worker runs with " + String.join(" ", CAP_LIFTED) + " (default "
                    + WorkerConfig.DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT + ")",
                    n -> s.drain("cap-lifted-" + n, s.settings().events(), 1, false, CAP_LIFTED)))),
            new Scenario("drain-10-endpoints", DRAINS, s -> List.of(new Row("drain-10-endpoints", "N / "
                    + FAN_OUT_ENDPOINTS + " events, each to " + FAN_OUT_ENDPOINTS + " endpoints of its account: N "
                    + "deliveries, drained as above",
                    n -> s.fanOutDrain("endpoints-" + n, s.settings().events() / FAN_OUT_ENDPOINTS, FAN_OUT_ENDPOINTS)))),
            new Scenario("http-floor", DRAINS, s -> List.of(new Row("http-floor", "the same signed POSTs from "
                    + s.settings().floorThreads() + " threads with blocking HttpClient.send, no database",
                    n -> s.floor("floor-" + n)))),
            new Scenario("retry", s -> List.of(new Row("retry", s.settings().failPercent() + "% of event ids "
                    + "answered 500 on their first attempt, worker --retry-schedule " + s.settings().retrySchedule()
                    + ", stopped when all succeeded", n -> s.retry("retry-" + n)))),
            latency("latency", false),
            latency("latency-notify", true),
            new Scenario("workers", s -> s.settings().workerCounts().stream().map(k -> new Row("workers=" + k, k
                    + " worker processes with --exit-when-idle draining the same N events",
                    n -> s.drain("workers" + k + "-" + n, s.settings().events(), k, false))).toList()),
            new Scenario("backlog", s -> s.settings().backlogs().stream().sorted().map(size -> new Row("backlog="
                    + size, size + " pending deliveries routed before the worker starts; one worker; rate over the first "
                    + Math.min(s.settings().backlogMeasure(), size) + " deliveries",
                    n -> s.backlog("backlog" + size + "-" + n, size))).toList()),
            new Scenario("fairness", s -> List.of(new Row("fairness", "deliveries/s to 9 healthy endpoints beside "
                    + "a tenth that is healthy, then one that hangs (never answers); worker defaults: concurrency "
                    + s.settings().claimLimit() + ", --max-in-flight-per-endpoint "
                    + WorkerConfig.DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT + "; N/10 events, each to every endpoint",
                    n -> s.fairness("fairness-" + n, n % 2 == 1)))),
            new Scenario("ordered", s -> List.of(
                    new Row("ordered=off", "N events with " + s.settings().keys() + " ordering keys taking turns, to "
                            + "an unordered endpoint; one worker with --exit-when-idle",
                            n -> s.orderedDrain("unordered-" + n, s.settings().events(), s.settings().keys(), false)),
                    new Row("ordered=on", "the same N events to an ordered endpoint; each pair of runs back to back",
                            n -> s.orderedDrain("ordered-" + n, s.settings().events(), s.settings().keys(), true)))),
            new Scenario("ordered-single-key", s -> List.of(new Row("ordered-single-key", s.settings().singleKeyEvents()
                    + " events of one ordering key to an ordered endpoint; one worker with --exit-when-idle",
                    n -> s.orderedDrain("single-key-" + n, s.settings().singleKeyEvents(), 1, true)))),
            new Scenario("ordered-plan", s -> s.settings().planBacklogs().stream().sorted().map(size -> new Row(
                    "ordered-plan=" + size, size + " undelivered deliveries across " + s.settings().planKeys()
                    + " keys to an ordered endpoint, routed in advance; EXPLAIN ANALYZE of the claim and of the "
                    + "promotion, no worker",
                    n -> s.orderedPlan("ordered-plan" + size + "-" + n, size, s.settings().planKeys()))).toList()),
            new Scenario("receiver", s -> List.of("socket", "jdk").stream().map(server -> new Row("receiver="
                    + server, "the HTTP floor against a fresh " + server + " receiver: which receiver costs less",
                    n -> s.receiverCheck("receiver-" + server + "-" + n, server))).toList()),
            new Scenario("route-only", s -> RouteOnly.KEYS.stream().flatMap(keys -> RouteOnly.ROUTERS.stream()
                    .map(k -> new Row(RouteOnly.rowName(k, keys), RouteOnly.description(k, keys),
                            n -> s.routeOnly(k, keys)))).toList()));

    static final List<String> DEFAULT = List.of("drain", "drain-cap-lifted", "drain-10-endpoints", "http-floor",
            "retry", "latency", "latency-notify", "workers");
    /** Names that select another scenario: storage is measured by every drain run. */
    static final Map<String, String> ALIASES = Map.of("storage", "drain");

    private Scenarios() {
    }

    /** Every name --scenario takes besides 'default' and 'all'. */
    static List<String> names() {
        return java.util.stream.Stream.concat(ALL.stream().map(Scenario::name), ALIASES.keySet().stream()).toList();
    }

    /** The scenarios {@code requested} names, in the registry's order; null when a name is unknown. */
    static List<Scenario> select(List<String> requested) {
        Set<String> names = new LinkedHashSet<>();
        for (String raw : requested) {
            String name = raw.trim();
            switch (name) {
                case "default" -> names.addAll(DEFAULT);
                case "all" -> ALL.forEach(s -> names.add(s.name()));
                default -> {
                    if (!names().contains(name)) {
                        return null;
                    }
                    names.add(ALIASES.getOrDefault(name, name));
                }
            }
        }
        return ALL.stream().filter(s -> names.contains(s.name())).toList();
    }

    private static Scenario latency(String name, boolean notify) {
        return new Scenario(name, s -> List.of(new Row(name, s.settings().rate() + " events/s, one per transaction"
                + (notify ? " that also runs NOTIFY, worker --listen" : ", polling alone") + ", for "
                + s.settings().seconds() + " s after " + s.settings().warmupSeconds()
                + " s of warm-up; latency = receiver arrival - commit", n -> s.latency(name + "-" + n, notify))));
    }
}
