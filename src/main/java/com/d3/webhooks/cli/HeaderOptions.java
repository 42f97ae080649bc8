package com.d3.webhooks.cli;

import com.d3.webhooks.endpoints.EndpointHeader;
import com.d3.webhooks.endpoints.HeaderRules;
import com.d3.webhooks.secrets.SecretSealer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Option;

/** The static headers given to {@code endpoints add} and {@code endpoints update}. */
final class HeaderOptions {

    @Option(names = "--header", paramLabel = "'NAME: VALUE'",
            description = "A header sent with every request to the endpoint, e.g. the API key its gateway wants; "
                    + "repeatable. The value is stored sealed with the key in " + SecretSealer.KEY_VARIABLE
                    + ", which must be set, and never shown again. Printable ASCII, at most "
                    + HeaderRules.MAX_VALUE_LENGTH + " characters; at most " + HeaderRules.MAX_HEADERS
                    + " headers of " + HeaderRules.MAX_TOTAL_BYTES + " bytes together per endpoint. Names the "
                    + "worker sets or that break the request are refused (Host, Content-*, User-Agent, "
                    + "webhook-*, X-D3-*, ...).")
    List<String> headers = new ArrayList<>();

    @Option(names = "--header-file", paramLabel = "FILE",
            description = "Headers as --header, one 'NAME: VALUE' per line (blank lines and lines starting with # "
                    + "are skipped): keeps the values out of the shell's history and the process list.")
    Path headerFile;

    boolean given() {
        return !headers.isEmpty() || headerFile != null;
    }

    /**
     * The headers given, checked one by one and together.
     *
     * @throws UsageException naming the header and the problem, never a value
     */
    List<EndpointHeader> parse() {
        List<String> lines = new ArrayList<>(headers);
        if (headerFile != null) {
            try {
                Files.readAllLines(headerFile, StandardCharsets.UTF_8).stream()
                        .filter(l -> !l.isBlank() && !l.strip().startsWith("#")).forEach(lines::add);
            } catch (IOException e) {
                throw new UsageException("cannot read --header-file " + headerFile + ": " + e.getMessage());
            }
        }
        List<EndpointHeader> parsed = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String line : lines) {
            EndpointHeader h;
            try {
                h = EndpointHeader.parse(line);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            if (!names.add(h.name().toLowerCase(Locale.ROOT))) {
                throw new UsageException("header " + h.name() + " is given twice");
            }
            parsed.add(h);
        }
        String problem = HeaderRules.limitsProblem(parsed);
        if (problem != null) {
            throw new UsageException(problem);
        }
        return parsed;
    }

    /** @throws UsageException when headers are given and there is no key to seal them with */
    void requireKey(SecretSealer sealer) {
        if (given()) {
            SecretKeys.requireSealing(sealer, "header values are");
        }
    }
}
