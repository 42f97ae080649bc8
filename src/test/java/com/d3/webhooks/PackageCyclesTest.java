package com.d3.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages' dependencies, read from the sources (imports and qualified names), go one way:
 * docs/architecture.md draws them, and a cycle would undo the split into named parts.
 */
class PackageCyclesTest {

    private static final Path SOURCES = Path.of("src", "main", "java", "com", "d3", "webhooks");
    private static final Pattern PACKAGE = Pattern.compile("^package com\\.d3\\.webhooks\\.(\\w+)", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("com\\.d3\\.webhooks\\.(\\w+)");

    @Test
    void noPackageDependsOnItselfThroughOthers() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String text = Files.readString(file);
                Matcher own = PACKAGE.matcher(text);
                if (!own.find()) {
                    continue;
                }
                Set<String> used = uses.computeIfAbsent(own.group(1), k -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(text.substring(own.end()));
                while (m.find()) {
                    if (!m.group(1).equals(own.group(1))) {
                        used.add(m.group(1));
                    }
                }
            }
        }
        List<String> cycles = new ArrayList<>();
        for (String start : uses.keySet()) {
            List<String> path = pathBack(start, start, uses, new ArrayList<>(List.of(start)), new TreeSet<>());
            if (path != null) {
                cycles.add(String.join(" -> ", path));
            }
        }
        assertEquals(List.of(), cycles);
    }

    /** A path from {@code from} back to {@code start}, or null. */
    private static List<String> pathBack(String start, String from, Map<String, Set<String>> uses, List<String> path,
                                         Set<String> seen) {
        for (String next : uses.getOrDefault(from, Set.of())) {
            if (next.equals(start)) {
                List<String> cycle = new ArrayList<>(path);
                cycle.add(start);
                return cycle;
            }
            if (seen.add(next)) {
                path.add(next);
                List<String> found = pathBack(start, next, uses, path, seen);
                if (found != null) {
                    return found;
                }
                path.remove(path.size() - 1);
            }
        }
        return null;
    }
}
