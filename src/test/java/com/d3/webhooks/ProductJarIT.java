package com.d3.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The jar that bin/outbox and the container image run holds the product only: the benchmark is a
 * separate jar. Runs after packaging (failsafe), on the jar the build has just made.
 */
class ProductJarIT {

    @Test
    void theProductJarHoldsNoBenchmarkClasses() throws Exception {
        Path jar = Path.of(System.getProperty("product.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " was packaged");
        try (JarFile j = new JarFile(jar.toFile())) {
            // Files only: a build tree from before the move may still hold the package's empty directory.
            List<String> bench = j.stream().filter(e -> !e.isDirectory()).map(ZipEntry::getName)
                    .filter(name -> name.startsWith("com/d3/webhooks/bench/")).toList();
            assertEquals(List.of(), bench);
            assertTrue(j.getEntry("com/d3/webhooks/cli/Main.class") != null, "the product's classes are there");
        }
    }
}
