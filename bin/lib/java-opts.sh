# The worker's JVM options, for bin/outbox worker and the workers bin/bench starts. The serial
# collector suits a process with a small, bounded live set on few cores, and a heap that starts
# small and may grow to 128 MB keeps the worker's resident memory under 200 MB at any backlog
# (docs/performance.md). OUTBOX_JAVA_OPTS, when set (even empty), replaces them; raise -Xmx with
# --concurrency well above its default, since each sender slot may hold a payload of up to 256 KiB.
# docs/Dockerfile repeats them in its ENTRYPOINT (a container has no bin/): change both together.
# -XX:+ExitOnOutOfMemoryError: a JVM that ran out of heap may have lost any thread (the claim
# loop, the recorder); it exits, and the supervisor starts a whole one, instead of limping on.
WORKER_JAVA_OPTS="-XX:+UseSerialGC -Xms32m -Xmx128m -XX:+ExitOnOutOfMemoryError"
