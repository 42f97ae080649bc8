package com.d3.webhooks.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Linux /proc readers. CPU times are in clock ticks of 10 ms (USER_HZ is 100 on every Linux
 * the JDK supports); a process that has gone away reads as -1.
 */
final class Proc {

    static final long MS_PER_TICK = 10;

    private Proc() {
    }

    /** utime + stime of a live process, in ticks; -1 when it is gone. */
    static long cpuTicks(long pid) {
        String[] f = statFields(Path.of("/proc", Long.toString(pid), "stat"));
        return f == null ? -1 : Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** utime + stime of one thread of a live process, in ticks; -1 when it is gone. */
    static long threadCpuTicks(long pid, long tid) {
        String[] f = statFields(Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "stat"));
        return f == null ? -1 : Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** The ids of a live process's threads; empty when it is gone. */
    static List<Long> threadIds(long pid) {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.map(t -> Long.parseLong(t.getFileName().toString())).toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** A thread's name as the kernel keeps it (at most 15 bytes); null when it is gone. */
    static String threadName(long pid, long tid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "comm")).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * cutime + cstime of this process: the CPU of every child it has reaped. Read before a child
     * starts and after {@code waitFor()} returns, the difference is that child's exact CPU, JVM
     * start and exit included, with no sampling gap at the end.
     */
    static long reapedChildrenTicks() {
        String[] f = statFields(Path.of("/proc/self/stat"));
        return Long.parseLong(f[13]) + Long.parseLong(f[14]);
    }

    /** The fields after "pid (comm) ", so index 0 is field 3 (state) of proc(5). */
    private static String[] statFields(Path stat) {
        try {
            String s = Files.readString(stat);
            return s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** A line of /proc/PID/status such as VmRSS or VmHWM, in kB; -1 when absent. */
    static long statusKb(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.substring(key.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static long memTotalKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.substring(9).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String line : lines) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
        return "unknown";
    }
}
