package com.d3.webhooks.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * Where things are and how processes are started: the java binary, the product jar the workers run
 * from, the bench's own class path (for its receiver and HTTP floor processes), the output and log
 * directories, the PostgreSQL server, and what every worker gets on its command line besides the
 * scenario's own options.
 *
 * @param serverUrl   JDBC URL of the PostgreSQL server (any database on it; the bench uses its own)
 * @param localServer the server runs on this machine, so its backends' CPU can be read in /proc
 * @param javaOpts    OUTBOX_JAVA_OPTS, split on spaces: given to every worker JVM, as bin/outbox does
 * @param workerJvmArgs further JVM options of the workers only (--worker-jvm-arg), "{worker}" replaced by the worker id
 * @param concurrency --concurrency for the worker, or null for the worker's default
 * @param workerArgs  further worker options from --worker-arg
 */
record BenchEnv(String java, Path productJar, String benchClassPath, Path outDir, Path logDir, String serverUrl, boolean localServer,
                List<String> javaOpts, List<String> workerJvmArgs, Integer concurrency, List<String> workerArgs) {
}
