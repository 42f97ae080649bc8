package com.d3.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and docs/ are read on GitHub: every relative link goes to a file that exists and,
 * with a fragment, to a heading of that file (GitHub's anchors); and the package map of
 * docs/architecture.md names every package there is.
 */
class DocumentationTest {

    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}\\s+(.+)$");
    private static final Pattern FENCED = Pattern.compile("(?ms)^```.*?^```");

    private static List<Path> manuals() throws IOException {
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    private static String prose(Path file) throws IOException {
        return FENCED.matcher(Files.readString(file)).replaceAll("");
    }

    /** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens; repeats get -1, -2. */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        Matcher h = HEADING.matcher(markdown);
        while (h.find()) {
            String slug = h.group(1).strip().toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{N}_\\- ]", "").replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum) - 1;
            anchors.add(n == 0 ? slug : slug + "-" + n);
        }
        return anchors;
    }

    @Test
    void anchorsAreGitHubs() {
        assertEquals(Set.of("endpoints-disable-id---reason-text--endpoints-enable-id", "the-outbox-contract-what-the-main-application-writes",
                        "options", "options-1"),
                anchors("### `endpoints disable ID [--reason TEXT]` / `endpoints enable ID`\n"
                        + "## The outbox contract (what the main application writes)\n## Options\n### Options\n"));
    }

    @Test
    void everyRelativeLinkResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path file : manuals()) {
            Matcher link = LINK.matcher(prose(file));
            while (link.find()) {
                String target = link.group(1);
                if (target.matches("[a-z]+:.*")) {
                    continue; // https:, mailto:
                }
                int hash = target.indexOf('#');
                String path = hash < 0 ? target : target.substring(0, hash);
                Path resolved = path.isEmpty() ? file : file.resolveSibling(path).normalize();
                checked++;
                if (!Files.exists(resolved)) {
                    broken.add(file + ": " + target + " (no file " + resolved + ")");
                } else if (hash >= 0 && resolved.toString().endsWith(".md")
                        && !anchors(prose(resolved)).contains(target.substring(hash + 1))) {
                    broken.add(file + ": " + target + " (no such heading in " + resolved + ")");
                }
            }
        }
        assertEquals(List.of(), broken);
        assertTrue(checked > 50, "links checked: " + checked);
    }

    @Test
    void thePackageMapNamesEveryPackage() throws IOException {
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(Path.of("src/main/java/com/d3/webhooks"))) {
            dirs.filter(Files::isDirectory).forEach(d -> packages.add(d.getFileName().toString()));
        }
        String map = Files.readString(Path.of("docs/architecture.md"));
        Set<String> listed = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| (`[a-z]+`(?:, `[a-z]+`)*) \\|").matcher(map);
        while (row.find()) {
            Matcher name = Pattern.compile("`([a-z]+)`").matcher(row.group(1));
            while (name.find()) {
                listed.add(name.group(1));
            }
        }
        Set<String> missing = new TreeSet<>(packages);
        missing.removeAll(listed);
        assertEquals(Set.of(), missing, "packages of com.d3.webhooks missing from docs/architecture.md");
        assertTrue(packages.size() > 10, "packages found: " + packages);
    }
}
